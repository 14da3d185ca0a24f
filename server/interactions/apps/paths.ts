/** The customer's authorized apps (DESIGN.md "Interfaces"): where consents are seen and withdrawn. */
export const APPS_PATH = '/account/apps';

export const APPS_PATHS = {
  page: APPS_PATH,
  login: `${APPS_PATH}/login`,
  otp: `${APPS_PATH}/otp`,
  withdraw: `${APPS_PATH}/withdraw`,
  signOut: `${APPS_PATH}/sign-out`,
} as const;
