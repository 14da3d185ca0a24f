import type { Messages } from './catalogue.ts';

/** Svenska. */
export const sv: Messages = {
  'language.name': 'Svenska',
  'layout.languages': 'Språk',
  'layout.secure': 'Säker inloggning',
  'layout.neverAsks': '{bank} ber aldrig om din engångskod per telefon, e-post eller sms.',
  'layout.support': 'Kundtjänst {phone}',
  'layout.supportLink': 'Hjälp och kontakt',
  'layout.privacy': 'Dataskydd',
  'layout.terms': 'Användarvillkor',
  'layout.demo': 'Demobank för utvecklare: inte en riktig bank.',
  'layout.errorTitle': 'Fel: {title}',
  'form.problem': 'Kontrollera uppgifterna',

  'login.title': 'Logga in',
  'login.heading': 'Logga in hos {bank}',
  'login.lead': '{client} vill ansluta till din bank. Logga in för att fortsätta.',
  'login.username': 'Användarnamn',
  'login.password': 'Lösenord',
  'login.submit': 'Fortsätt',
  'login.failed':
    'Användarnamnet eller lösenordet är fel, eller så är kontot spärrat en stund. Kontrollera dem och försök igen. Om du inte kan logga in, ring kundtjänst: {phone}.',
  'login.throttled': 'Det har gjorts för många misslyckade inloggningar från ditt nätverk. Vänta {wait} och försök igen.',
  'page.cancel': 'Avbryt och återvänd till {client}',

  'otp.title': 'Ange din engångskod',
  'otp.lead': 'Öppna din autentiseringsapp och ange den 6-siffriga kod som den visar för {bank}.',
  'otp.label': 'Engångskod',
  'otp.hint': '6 siffror, en ny kod var 30:e sekund. Mellanslag går bra.',
  'otp.submit': 'Bekräfta',
  'otp.wrong': 'Koden är fel eller har redan använts. Vänta på nästa kod i din autentiseringsapp och försök igen.',

  'consent.title': 'Ge {client} åtkomst?',
  'consent.lead': 'Du är inloggad som {username}. {client} ber om tillstånd att:',
  'consent.identity': 'Din identitet',
  'consent.details': 'Uppgifter i denna begäran',
  'consent.lasts': '{client} behåller denna åtkomst i {duration}, till {until}, om du inte återkallar den tidigare.',
  'consent.withdraw': 'Du kan återkalla den när som helst under Dina godkända appar ({where}) eller genom att ringa kundtjänst: {phone}.',
  'consent.allow': 'Tillåt',
  'consent.deny': 'Neka',
  'payment.title': 'Godkänn den här betalningen',
  'payment.to': 'Mottagare',
  'payment.from': 'Från konto',
  'payment.reference': 'Meddelande',
  'payment.date': 'Förfallodag',
  'payment.mainAccount': 'Ditt huvudkonto',
  'payment.asap': 'Så snart som möjligt',
  'payment.lead':
    'Du är inloggad som {username}. {client} ber dig godkänna den här betalningen. Den kan göras en gång, exakt som den visas, och behöver:',
  'payment.once':
    'Godkännandet gäller bara den här betalningen. En annan betalning, eller en ändring av den här, behöver ditt godkännande på nytt.',
  'scope.openid': 'Bekräfta vem du är, med en identifierare som är densamma varje gång',
  'scope.offline_access': 'Behålla denna åtkomst även när du inte använder appen',

  'error.title': 'Något gick fel',
  'error.unknown_app.heading': 'Vi känner inte till den här appen',
  'error.unknown_app.text':
    'Appen som skickade dig hit är inte registrerad hos {bank}, eller inte längre. Ange inte dina uppgifter; stäng sidan.',
  'error.wrong_return.heading': 'Appen angav en felaktig returadress',
  'error.wrong_return.text':
    'Vi kunde inte skicka dig tillbaka på ett säkert sätt, så inloggningen stoppades här. Stäng sidan och meddela appens leverantör.',
  'error.expired.heading': 'Inloggningen har gått ut',
  'error.expired.text': 'Inloggningen tog för lång tid eller har redan avslutats. Gå tillbaka till appen och börja om.',
  'error.locked.heading': 'Inloggningen är spärrad för tillfället',
  'error.locked.text':
    'Efter {attempts} felaktiga lösenord eller koder i rad spärras inloggningen i {duration} för att skydda ditt konto. Vänta och försök igen, eller ring kundtjänst: {phone}.',
  'error.unavailable.heading': 'Tjänsten är inte tillgänglig just nu',
  'error.unavailable.text': 'Ingenting ändrades. Vänta en stund och försök igen.',
  'error.invalid.heading': 'Appen skickade en begäran som vi inte kan slutföra',
  'error.invalid.text': 'Gå tillbaka till appen och försök igen. Om det händer igen, meddela appens leverantör.',
  'error.server.heading': 'Något gick fel hos oss',
  'error.server.text': 'Begäran kunde inte slutföras. Försök igen om en stund.',
  'error.reference': 'Referens för kundtjänst: {reference}',
  'error.help': 'Behöver du hjälp? Ring kundtjänst: {phone}.',
};
