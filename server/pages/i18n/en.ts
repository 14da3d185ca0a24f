/**
 * English: the reference catalogue. Every other language has exactly these keys (the type
 * `Messages` in catalogue.ts and test/i18n/catalogue.test.ts hold them to it). `{name}` is a
 * value the page fills in; texts carry no HTML, so templates escape them like any value.
 */
export const en = {
  'language.name': 'English',
  'layout.languages': 'Language',
  'layout.secure': 'Secure sign-in',
  'layout.neverAsks': '{bank} never asks for your one-time code by phone, e-mail or text message.',
  'layout.support': 'Customer service {phone}',
  'layout.supportLink': 'Help and contact',
  'layout.privacy': 'Privacy',
  'layout.terms': 'Terms of use',
  'layout.demo': 'Demo bank for developers: not a real bank.',
  'layout.errorTitle': 'Error: {title}',
  'form.problem': 'There is a problem',

  'login.title': 'Log in',
  'login.heading': 'Log in to {bank}',
  'login.lead': '{client} is asking to connect to your bank. Log in to continue.',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Continue',
  'login.failed':
    'The username or password is not right, or the account is locked for a while. Check them and try again. If you cannot log in, call customer service: {phone}.',
  'login.throttled': 'There were too many failed sign-ins from your network. Wait {wait} and try again.',
  'page.cancel': 'Cancel and return to {client}',

  'otp.title': 'Enter your one-time code',
  'otp.lead': 'Open your authenticator app and enter the 6-digit code it shows for {bank}.',
  'otp.label': 'One-time code',
  'otp.hint': '6 digits, a new code every 30 seconds. Spaces are fine.',
  'otp.submit': 'Verify',
  'otp.wrong': 'That code is not right, or it was used already. Wait for the next code in your authenticator app and try again.',

  'consent.title': 'Allow {client} access?',
  'consent.lead': 'You are logged in as {username}. {client} asks for permission to:',
  'consent.clientWebsite': 'Website of {client}',
  'consent.clientPrivacy': 'Privacy policy of {client}',
  'consent.clientTerms': 'Terms of service of {client}',
  'consent.identity': 'Your identity',
  'consent.details': 'Details of this request',
  'consent.lasts': '{client} keeps this access for {duration}, until {until}, unless you withdraw it sooner.',
  'consent.withdraw': 'You can withdraw it at any time in Your authorized apps at {where}, or by calling customer service: {phone}.',
  'consent.allow': 'Allow',
  'consent.deny': 'Deny',
  'payment.title': 'Approve this payment',
  'payment.to': 'To',
  'payment.from': 'From',
  'payment.reference': 'Reference',
  'payment.date': 'Date',
  'payment.mainAccount': 'Your main account',
  'payment.asap': 'As soon as possible',
  'payment.lead':
    'You are logged in as {username}. {client} asks you to approve this payment. It can be made once, exactly as shown, and needs:',
  'payment.once': 'This approval covers this one payment only. Any other payment, or a change to this one, needs your approval again.',
  'scope.openid': 'Confirm who you are, using an identifier that is the same each time you connect',
  'scope.offline_access': 'Keep this access while you are not using the application',

  'error.title': 'Something went wrong',
  'error.unknown_app.heading': 'This application is not known to us',
  'error.unknown_app.text':
    'The application that sent you here is not registered with {bank}, or no longer is. Do not enter your details; close this page.',
  'error.wrong_return.heading': 'The application gave a wrong return address',
  'error.wrong_return.text':
    'We could not send you back safely, so the sign-in stopped here. Close this page and tell the application’s provider.',
  'error.expired.heading': 'This sign-in has expired',
  'error.expired.text': 'The sign-in took too long or has already finished. Return to the application and start again.',
  'error.locked.heading': 'Sign-in is locked for now',
  'error.locked.text':
    'After {attempts} wrong passwords or codes in a row, sign-in is locked for {duration} to protect your account. Wait and try again, or call customer service: {phone}.',
  'error.unavailable.heading': 'The service is not available right now',
  'error.unavailable.text': 'Nothing was changed. Wait a moment and try again.',
  'error.invalid.heading': 'The application sent a request we cannot complete',
  'error.invalid.text': 'Return to the application and try again. If it happens again, tell the application’s provider.',
  'error.server.heading': 'Something went wrong on our side',
  'error.server.text': 'The request could not be completed. Try again in a moment.',
  'error.reference': 'Reference for customer service: {reference}',
  'error.help': 'Need help? Call customer service: {phone}.',
} as const;
