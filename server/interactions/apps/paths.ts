/** The customer's authorized apps (DESIGN.md "Interfaces"): where consents are seen and withdrawn. */
export const APPS_PATH = '/account/apps';
