import type { Messages } from './catalogue.ts';

/** Suomi. */
export const fi: Messages = {
  'language.name': 'Suomi',
  'layout.languages': 'Kieli',
  'layout.secure': 'Turvallinen kirjautuminen',
  'layout.neverAsks': '{bank} ei koskaan kysy kertakäyttökoodiasi puhelimessa, sähköpostilla tai tekstiviestillä.',
  'layout.support': 'Asiakaspalvelu {phone}',
  'layout.supportLink': 'Ohjeet ja yhteystiedot',
  'layout.privacy': 'Tietosuoja',
  'layout.terms': 'Käyttöehdot',
  'layout.demo': 'Kehittäjien demopankki: ei oikea pankki.',
  'layout.errorTitle': 'Virhe: {title}',
  'form.problem': 'Tarkista tiedot',

  'login.title': 'Kirjaudu sisään',
  'login.heading': 'Kirjaudu palveluun {bank}',
  'login.lead': '{client} pyytää yhteyttä pankkiisi. Jatka kirjautumalla sisään.',
  'login.username': 'Käyttäjätunnus',
  'login.password': 'Salasana',
  'login.submit': 'Jatka',
  'login.failed':
    'Käyttäjätunnus tai salasana on väärin, tai tili on hetken lukittuna. Tarkista ne ja yritä uudelleen. Jos et pääse kirjautumaan, soita asiakaspalveluun: {phone}.',
  'login.throttled': 'Verkostasi on tehty liian monta epäonnistunutta kirjautumista. Odota {wait} ja yritä uudelleen.',
  'page.cancel': 'Peruuta ja palaa palveluun {client}',

  'otp.title': 'Anna kertakäyttökoodi',
  'otp.lead': 'Avaa todennussovelluksesi ja anna 6-numeroinen koodi, joka näkyy sovelluksessa nimellä {bank}.',
  'otp.label': 'Kertakäyttökoodi',
  'otp.hint': '6 numeroa, uusi koodi 30 sekunnin välein. Välilyönnit eivät haittaa.',
  'otp.submit': 'Vahvista',
  'otp.wrong': 'Koodi on väärin tai se on jo käytetty. Odota todennussovelluksesi seuraavaa koodia ja yritä uudelleen.',

  'consent.title': 'Annetaanko palvelulle {client} pääsy?',
  'consent.lead': 'Olet kirjautunut käyttäjänä {username}. {client} pyytää lupaa:',
  'consent.identity': 'Henkilöllisyytesi',
  'consent.details': 'Pyynnön tiedot',
  'consent.lasts': '{client} saa tämän pääsyn {until} asti (kesto {duration}), ellet peru sitä aiemmin.',
  'consent.withdraw':
    'Voit perua sen milloin tahansa Valtuuttamasi sovellukset -sivulla ({where}) tai soittamalla asiakaspalveluun: {phone}.',
  'consent.allow': 'Salli',
  'consent.deny': 'Kiellä',
  'payment.title': 'Hyväksy tämä maksu',
  'payment.to': 'Saaja',
  'payment.from': 'Tililtä',
  'payment.reference': 'Viesti',
  'payment.date': 'Eräpäivä',
  'payment.mainAccount': 'Päätilisi',
  'payment.asap': 'Mahdollisimman pian',
  'payment.lead':
    'Olet kirjautunut käyttäjänä {username}. {client} pyytää sinua hyväksymään tämän maksun. Sen voi tehdä kerran, täsmälleen kuten yllä, ja se tarvitsee:',
  'payment.once': 'Tämä hyväksyntä koskee vain tätä yhtä maksua. Muu maksu tai muutos tähän maksuun tarvitsee uuden hyväksyntäsi.',
  'scope.openid': 'Vahvistaa henkilöllisyytesi tunnisteella, joka on sama joka kerta',
  'scope.offline_access': 'Säilyttää tämän pääsyn myös silloin, kun et käytä sovellusta',

  'error.title': 'Jokin meni vikaan',
  'error.unknown_app.heading': 'Emme tunne tätä sovellusta',
  'error.unknown_app.text':
    'Sovellus, joka ohjasi sinut tänne, ei ole rekisteröity palveluun {bank} tai sen rekisteröinti on päättynyt. Älä anna tietojasi; sulje tämä sivu.',
  'error.wrong_return.heading': 'Sovellus antoi väärän paluuosoitteen',
  'error.wrong_return.text':
    'Emme voineet palauttaa sinua turvallisesti, joten kirjautuminen pysähtyi tähän. Sulje sivu ja kerro asiasta sovelluksen tarjoajalle.',
  'error.expired.heading': 'Kirjautuminen on vanhentunut',
  'error.expired.text': 'Kirjautuminen kesti liian kauan tai se on jo päättynyt. Palaa sovellukseen ja aloita alusta.',
  'error.locked.heading': 'Kirjautuminen on toistaiseksi lukittu',
  'error.locked.text':
    'Kun salasana tai koodi on annettu väärin {attempts} kertaa peräkkäin, kirjautuminen lukitaan tilisi suojaamiseksi. Lukitus kestää {duration}. Odota ja yritä uudelleen, tai soita asiakaspalveluun: {phone}.',
  'error.unavailable.heading': 'Palvelu ei ole juuri nyt käytettävissä',
  'error.unavailable.text': 'Mitään ei muutettu. Odota hetki ja yritä uudelleen.',
  'error.invalid.heading': 'Sovelluksen pyyntöä ei voi suorittaa',
  'error.invalid.text': 'Palaa sovellukseen ja yritä uudelleen. Jos virhe toistuu, kerro siitä sovelluksen tarjoajalle.',
  'error.server.heading': 'Meillä tapahtui virhe',
  'error.server.text': 'Pyyntöä ei voitu suorittaa. Yritä hetken kuluttua uudelleen.',
  'error.reference': 'Viite asiakaspalvelulle: {reference}',
  'error.help': 'Tarvitsetko apua? Soita asiakaspalveluun: {phone}.',
};
