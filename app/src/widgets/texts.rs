//! The widgets' words in English and French.

pub use crate::i18n::Locale;

impl Locale {
    /// The widgets' words in this locale.
    pub fn texts(self) -> &'static Texts {
        match self {
            Locale::En => &EN,
            Locale::Fr => &FR,
        }
    }
}

pub struct Texts {
    pub loading: &'static str,
    pub retry: &'static str,
    pub close: &'static str,
    pub cancel: &'static str,
    pub save: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub payments: &'static str,
    pub no_payments: &'static str,
    pub no_matches: &'static str,
    pub search_placeholder: &'static str,
    pub filter_status: &'static str,
    pub all_statuses: &'static str,
    pub amount_min: &'static str,
    pub amount_max: &'static str,
    pub date_from: &'static str,
    pub date_to: &'static str,
    pub payment_method: &'static str,
    pub any_method: &'static str,
    pub clear_filters: &'static str,
    pub amount: &'static str,
    pub status: &'static str,
    pub customer: &'static str,
    pub date: &'static str,
    pub description: &'static str,
    pub payment: &'static str,
    pub fee: &'static str,
    pub net: &'static str,
    pub refunds: &'static str,
    pub refund: &'static str,
    pub refund_amount: &'static str,
    pub refund_full: &'static str,
    pub refund_submit: &'static str,
    pub refunded_note: &'static str,
    pub capture: &'static str,
    pub capture_submit: &'static str,
    pub disputes: &'static str,
    pub evidence_due: &'static str,
    pub evidence_text: &'static str,
    pub evidence_product: &'static str,
    pub evidence_email: &'static str,
    pub submit_evidence: &'static str,
    pub save_evidence: &'static str,
    pub accept_dispute: &'static str,
    pub accept_confirm: &'static str,
    pub evidence_sent: &'static str,
    pub balances: &'static str,
    pub available: &'static str,
    pub pending: &'static str,
    pub pay_out: &'static str,
    pub pay_out_amount: &'static str,
    pub payouts: &'static str,
    pub no_payouts: &'static str,
    pub arrives: &'static str,
    pub schedule: &'static str,
    pub schedule_daily: &'static str,
    pub schedule_weekly: &'static str,
    pub schedule_monthly: &'static str,
    pub schedule_manual: &'static str,
    pub edit_schedule: &'static str,
    pub weekly_anchor: &'static str,
    pub monthly_anchor: &'static str,
    pub payment_methods: &'static str,
    pub method_on: &'static str,
    pub method_off: &'static str,
    pub blocked_by_platform: &'static str,
    pub not_available: &'static str,
    pub onboarding_title: &'static str,
    pub onboarding_done: &'static str,
    pub onboarding_review: &'static str,
    pub onboarding_continue: &'static str,
    pub onboarding_submit: &'static str,
    pub onboarding_exit: &'static str,
    pub notifications_due: &'static str,
    pub notifications_past_due: &'static str,
    pub notifications_action: &'static str,
    pub deadline: &'static str,
    pub step_business: &'static str,
    pub step_person: &'static str,
    pub step_bank_account: &'static str,
    pub step_terms: &'static str,
    pub onboarding_step: &'static str,
    pub onboarding_of: &'static str,
    pub onboarding_save_continue: &'static str,
    pub onboarding_stripe_explain: &'static str,
    pub onboarding_choose: &'static str,
    pub onboarding_tos: &'static str,
    pub field_required: &'static str,
    pub invalid_iban: &'static str,
    pub invalid_routing_number: &'static str,
    pub invalid_account_number: &'static str,
    pub invalid_date: &'static str,
    pub invalid_amount: &'static str,
    pub notifications_needed: &'static str,
    pub notifications_more: &'static str,
    pub no_balance: &'static str,
    pub pay_out_currency: &'static str,
    pub payout_created: &'static str,
    pub created: &'static str,
    pub schedule_saved: &'static str,
    pub no_payment_methods: &'static str,
    pub schedule_monthly_on: &'static str,
}

impl Texts {
    /// A payment status as Connect.js names them.
    pub fn status(&self, status: &str) -> &'static str {
        let fr = std::ptr::eq(self, &FR);
        match (status, fr) {
            ("successful", false) => "Succeeded",
            ("successful", true) => "Réussi",
            ("refunded", false) => "Refunded",
            ("refunded", true) => "Remboursé",
            ("partially_refunded", false) => "Partially refunded",
            ("partially_refunded", true) => "Remboursé en partie",
            ("disputed", false) => "Disputed",
            ("disputed", true) => "Contesté",
            ("failed", false) => "Failed",
            ("failed", true) => "Échoué",
            ("uncaptured", false) => "Uncaptured",
            ("uncaptured", true) => "Non capturé",
            ("pending", false) => "Pending",
            ("pending", true) => "En attente",
            ("canceled", false) => "Canceled",
            ("canceled", true) => "Annulé",
            (_, false) => "Other",
            (_, true) => "Autre",
        }
    }

    fn is_fr(&self) -> bool {
        std::ptr::eq(self, &FR)
    }

    /// A human label for a Stripe requirement id or an onboarding form key (`individual.dob`,
    /// `tos_acceptance`, `external_account.routing_number`); `None` for ids it does not know.
    pub fn requirement_label(&self, key: &str) -> Option<&'static str> {
        let fr = self.is_fr();
        let pick = |en: &'static str, fr_text: &'static str| Some(if fr { fr_text } else { en });
        let person = key
            .strip_prefix("individual.")
            .or_else(|| key.strip_prefix("representative."));
        if let Some(field) = person {
            return match field {
                "first_name" => pick("First name", "Prénom"),
                "last_name" => pick("Last name", "Nom"),
                "email" => pick("Email", "E-mail"),
                "phone" => pick("Phone number", "Numéro de téléphone"),
                "dob" => pick("Date of birth", "Date de naissance"),
                "id_number" => pick("Personal ID number", "Numéro d'identification personnel"),
                "ssn_last_4" => pick(
                    "Last 4 digits of Social Security number",
                    "4 derniers chiffres du numéro de sécurité sociale",
                ),
                "relationship.title" => pick("Job title", "Fonction"),
                other => self.address_label(other),
            };
        }
        if let Some(field) = key.strip_prefix("company.") {
            return match field {
                "name" => pick("Legal business name", "Raison sociale"),
                "phone" => pick("Business phone number", "Téléphone de l'entreprise"),
                "tax_id" => pick("Tax ID", "Numéro d'identification fiscale"),
                "registration_number" => pick("Registration number", "Numéro d'immatriculation"),
                "owners_provided" => pick(
                    "I have provided every owner of the business.",
                    "J'ai indiqué tous les propriétaires de l'entreprise.",
                ),
                "directors_provided" => pick(
                    "I have provided every director of the business.",
                    "J'ai indiqué tous les dirigeants de l'entreprise.",
                ),
                "executives_provided" => pick(
                    "I have provided every executive of the business.",
                    "J'ai indiqué tous les cadres dirigeants de l'entreprise.",
                ),
                other => self.address_label(other),
            };
        }
        match key {
            "business_type" => pick("Type of business", "Type d'entreprise"),
            "business_profile.mcc" => pick("Industry", "Secteur d'activité"),
            "business_profile.url" => pick("Business website", "Site web de l'entreprise"),
            "business_profile.name" => pick("Business name", "Nom commercial"),
            "business_profile.product_description" => pick("What you sell", "Ce que vous vendez"),
            "business_profile.support_email" => pick("Support email", "E-mail du support"),
            "business_profile.support_phone" => {
                pick("Support phone number", "Téléphone du support")
            }
            "business_profile.support_url" => pick("Support website", "Site du support"),
            "external_account" => pick("IBAN", "IBAN"),
            "external_account.routing_number" => pick("Routing number", "Numéro de routage"),
            "external_account.account_number" => pick("Account number", "Numéro de compte"),
            "tos_acceptance" => Some(self.onboarding_tos),
            _ => None,
        }
    }

    fn address_label(&self, field: &str) -> Option<&'static str> {
        let fr = self.is_fr();
        let pick = |en: &'static str, fr_text: &'static str| Some(if fr { fr_text } else { en });
        match field {
            "address.line1" => pick("Address", "Adresse"),
            "address.line2" => pick("Address line 2", "Complément d'adresse"),
            "address.city" => pick("City", "Ville"),
            "address.postal_code" => pick("Postal code", "Code postal"),
            "address.state" => pick("State or province", "État ou province"),
            "address.country" => pick("Country", "Pays"),
            _ => None,
        }
    }

    /// A payment method's name (`sepa_debit` → "SEPA Direct Debit"); unknown types keep their
    /// id.
    pub fn method_name<'a>(&self, kind: &'a str) -> &'a str {
        let fr = self.is_fr();
        match (kind, fr) {
            ("card", false) => "Card",
            ("card", true) => "Carte",
            ("sepa_debit", false) => "SEPA Direct Debit",
            ("sepa_debit", true) => "Prélèvement SEPA",
            ("us_bank_account", false) => "ACH Direct Debit",
            ("us_bank_account", true) => "Prélèvement ACH",
            ("bacs_debit", false) => "Bacs Direct Debit",
            ("bacs_debit", true) => "Prélèvement Bacs",
            ("au_becs_debit", false) => "BECS Direct Debit",
            ("au_becs_debit", true) => "Prélèvement BECS",
            ("acss_debit", false) => "Canadian pre-authorized debit",
            ("acss_debit", true) => "Prélèvement préautorisé canadien",
            ("customer_balance", false) => "Bank transfer",
            ("customer_balance", true) => "Virement bancaire",
            ("apple_pay", _) => "Apple Pay",
            ("google_pay", _) => "Google Pay",
            ("link", _) => "Link",
            ("bancontact", _) => "Bancontact",
            ("ideal", _) => "iDEAL",
            ("klarna", _) => "Klarna",
            ("giropay", _) => "giropay",
            ("sofort", _) => "Sofort",
            ("eps", _) => "EPS",
            ("p24", _) => "Przelewy24",
            ("blik", _) => "BLIK",
            ("cartes_bancaires", _) => "Cartes Bancaires",
            ("affirm", _) => "Affirm",
            ("afterpay_clearpay", _) => "Afterpay / Clearpay",
            ("alipay", _) => "Alipay",
            ("wechat_pay", _) => "WeChat Pay",
            ("amazon_pay", _) => "Amazon Pay",
            ("cashapp", _) => "Cash App Pay",
            ("paypal", _) => "PayPal",
            ("revolut_pay", _) => "Revolut Pay",
            ("multibanco", _) => "Multibanco",
            ("mobilepay", _) => "MobilePay",
            ("twint", _) => "TWINT",
            ("zip", _) => "Zip",
            ("alma", _) => "Alma",
            ("oxxo", _) => "OXXO",
            ("boleto", _) => "Boleto",
            ("konbini", _) => "Konbini",
            ("fpx", _) => "FPX",
            ("grabpay", _) => "GrabPay",
            ("jcb", _) => "JCB",
            ("mb_way", _) => "MB WAY",
            ("pix", _) => "Pix",
            ("promptpay", _) => "PromptPay",
            ("satispay", _) => "Satispay",
            ("swish", _) => "Swish",
            ("paynow", _) => "PayNow",
            ("kakao_pay", _) => "Kakao Pay",
            ("naver_pay", _) => "Naver Pay",
            ("billie", _) => "Billie",
            ("bizum", _) => "Bizum",
            _ => kind,
        }
    }

    /// A payout status (`paid`, `pending`, `in_transit`, `canceled`, `failed`).
    pub fn payout_status(&self, status: &str) -> &'static str {
        match (status, self.is_fr()) {
            ("paid", false) => "Paid",
            ("paid", true) => "Versé",
            ("pending", false) => "Pending",
            ("pending", true) => "En attente",
            ("in_transit", false) => "In transit",
            ("in_transit", true) => "En cours",
            ("canceled", false) => "Canceled",
            ("canceled", true) => "Annulé",
            ("failed", false) => "Failed",
            ("failed", true) => "Échoué",
            (_, false) => "Other",
            (_, true) => "Autre",
        }
    }

    /// A `business_type` value.
    pub fn business_type(&self, value: &str) -> &'static str {
        match (value, self.is_fr()) {
            ("individual", false) => "Individual or sole trader",
            ("individual", true) => "Particulier ou entrepreneur individuel",
            ("company", false) => "Company",
            ("company", true) => "Société",
            ("non_profit", false) => "Non-profit organisation",
            ("non_profit", true) => "Association à but non lucratif",
            ("government_entity", false) => "Government entity",
            ("government_entity", true) => "Organisme public",
            (_, false) => "Other",
            (_, true) => "Autre",
        }
    }

    /// The name of merchant category code `mcc` (one of [`COMMON_MCCS`]).
    pub fn mcc(&self, mcc: &str) -> &'static str {
        match (mcc, self.is_fr()) {
            ("5734", false) => "Software",
            ("5734", true) => "Logiciels",
            ("7372", false) => "Computer programming and IT services",
            ("7372", true) => "Programmation et services informatiques",
            ("5812", false) => "Restaurants",
            ("5812", true) => "Restaurants",
            ("5999", false) => "Retail (other)",
            ("5999", true) => "Commerce de détail (autre)",
            ("5691", false) => "Clothing",
            ("5691", true) => "Vêtements",
            ("7011", false) => "Hotels and lodging",
            ("7011", true) => "Hôtellerie et hébergement",
            ("7299", false) => "Personal services",
            ("7299", true) => "Services à la personne",
            ("7997", false) => "Sports and fitness clubs",
            ("7997", true) => "Clubs de sport et de fitness",
            ("8299", false) => "Education and training",
            ("8299", true) => "Enseignement et formation",
            ("8999", false) => "Professional services",
            ("8999", true) => "Services professionnels",
            (_, false) => "Other",
            (_, true) => "Autre",
        }
    }

    /// A `weekly_anchor` (`monday` … `sunday`).
    pub fn weekday(&self, day: &str) -> &'static str {
        match (day, self.is_fr()) {
            ("monday", false) => "Monday",
            ("monday", true) => "Lundi",
            ("tuesday", false) => "Tuesday",
            ("tuesday", true) => "Mardi",
            ("wednesday", false) => "Wednesday",
            ("wednesday", true) => "Mercredi",
            ("thursday", false) => "Thursday",
            ("thursday", true) => "Jeudi",
            ("friday", false) => "Friday",
            ("friday", true) => "Vendredi",
            ("saturday", false) => "Saturday",
            ("saturday", true) => "Samedi",
            ("sunday", false) => "Sunday",
            ("sunday", true) => "Dimanche",
            (_, false) => "Other",
            (_, true) => "Autre",
        }
    }

    /// A schedule interval (`daily`, `weekly`, `monthly`, `manual`).
    pub fn interval(&self, interval: &str) -> &'static str {
        match interval {
            "daily" => self.schedule_daily,
            "weekly" => self.schedule_weekly,
            "monthly" => self.schedule_monthly,
            _ => self.schedule_manual,
        }
    }

    /// How long funds wait before they are paid out.
    pub fn delay_days(&self, days: i64) -> String {
        match (days, self.is_fr()) {
            (1, false) => "1-day delay".into(),
            (1, true) => "délai d'un jour".into(),
            (n, false) => format!("{n}-day delay"),
            (n, true) => format!("délai de {n} jours"),
        }
    }
}

/// The statuses a payment can have, in the order the filter lists them.
pub const PAYMENT_STATUSES: &[&str] = &[
    "successful",
    "pending",
    "uncaptured",
    "refunded",
    "partially_refunded",
    "disputed",
    "failed",
    "canceled",
];

/// Merchant category codes the onboarding form offers for `business_profile.mcc`.
pub const COMMON_MCCS: &[&str] = &[
    "5734", "7372", "5812", "5999", "5691", "7011", "7299", "7997", "8299", "8999",
];

/// `business_type` values, in the order the onboarding form lists them.
pub const BUSINESS_TYPES: &[&str] = &["individual", "company", "non_profit", "government_entity"];

/// `weekly_anchor` values.
pub const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

pub static EN: Texts = Texts {
    loading: "Loading…",
    retry: "Try again",
    close: "Close",
    cancel: "Cancel",
    save: "Save",
    previous: "Previous",
    next: "Next",
    payments: "Payments",
    no_payments: "No payments yet.",
    no_matches: "No payments match these filters.",
    search_placeholder: "Search by payment ID or customer email",
    filter_status: "Status",
    all_statuses: "All statuses",
    amount_min: "Minimum amount",
    amount_max: "Maximum amount",
    date_from: "From",
    date_to: "To",
    payment_method: "Payment method",
    any_method: "Any method",
    clear_filters: "Clear filters",
    amount: "Amount",
    status: "Status",
    customer: "Customer",
    date: "Date",
    description: "Description",
    payment: "Payment",
    fee: "Fee",
    net: "Net",
    refunds: "Refunds",
    refund: "Refund",
    refund_amount: "Amount to refund",
    refund_full: "The full remaining amount",
    refund_submit: "Refund payment",
    refunded_note: "Refund issued.",
    capture: "Capture",
    capture_submit: "Capture payment",
    disputes: "Disputes",
    evidence_due: "Evidence due by",
    evidence_text: "Your explanation",
    evidence_product: "Product or service description",
    evidence_email: "Customer email",
    submit_evidence: "Submit evidence",
    save_evidence: "Save draft",
    accept_dispute: "Accept dispute",
    accept_confirm: "Accepting means the customer keeps the money. Continue?",
    evidence_sent: "Evidence submitted. The bank will decide.",
    balances: "Balance",
    available: "Available",
    pending: "Pending",
    pay_out: "Pay out",
    pay_out_amount: "Amount to pay out",
    payouts: "Payouts",
    no_payouts: "No payouts yet.",
    arrives: "Arrives",
    schedule: "Payout schedule",
    schedule_daily: "Daily",
    schedule_weekly: "Weekly",
    schedule_monthly: "Monthly",
    schedule_manual: "Manual",
    edit_schedule: "Change schedule",
    weekly_anchor: "Day of the week",
    monthly_anchor: "Day of the month",
    payment_methods: "Payment methods",
    method_on: "On",
    method_off: "Off",
    blocked_by_platform: "Blocked by the platform",
    not_available: "Not available for this account",
    onboarding_title: "Set up payments",
    onboarding_done: "Your account is set up. Stripe has everything it needs.",
    onboarding_review: "Stripe is reviewing your information.",
    onboarding_continue: "Continue to Stripe",
    onboarding_submit: "Submit",
    onboarding_exit: "Exit",
    notifications_due: "Stripe needs more information to keep payments and payouts running.",
    notifications_past_due: "Action required: payments or payouts are paused until you provide the missing information.",
    notifications_action: "Provide information",
    deadline: "Due by",
    step_business: "Business details",
    step_person: "Personal details",
    step_bank_account: "Bank account",
    step_terms: "Terms of service",
    onboarding_step: "Step",
    onboarding_of: "of",
    onboarding_save_continue: "Save and continue",
    onboarding_stripe_explain: "Stripe, our payments partner, verifies the identity of every business that takes payments. Continue on Stripe's site to provide the information it needs; you will come back here afterwards.",
    onboarding_choose: "Choose…",
    onboarding_tos: "I accept the Stripe Connected Account Agreement.",
    field_required: "This field is required.",
    invalid_iban: "This IBAN is not valid. Check it and try again.",
    invalid_routing_number: "A routing number has 9 digits.",
    invalid_account_number: "An account number has 4 to 17 digits.",
    invalid_date: "Enter a valid date.",
    invalid_amount: "Write the amount like 12.50.",
    notifications_needed: "Needed:",
    notifications_more: "more",
    no_balance: "No balance yet.",
    pay_out_currency: "Currency",
    payout_created: "Payout created.",
    created: "Created",
    schedule_saved: "Payout schedule saved.",
    no_payment_methods: "No payment methods to configure.",
    schedule_monthly_on: "day",
};

pub static FR: Texts = Texts {
    loading: "Chargement…",
    retry: "Réessayer",
    close: "Fermer",
    cancel: "Annuler",
    save: "Enregistrer",
    previous: "Précédent",
    next: "Suivant",
    payments: "Paiements",
    no_payments: "Aucun paiement pour l'instant.",
    no_matches: "Aucun paiement ne correspond à ces filtres.",
    search_placeholder: "Rechercher par identifiant ou e-mail client",
    filter_status: "Statut",
    all_statuses: "Tous les statuts",
    amount_min: "Montant minimum",
    amount_max: "Montant maximum",
    date_from: "Du",
    date_to: "Au",
    payment_method: "Moyen de paiement",
    any_method: "Tous les moyens",
    clear_filters: "Effacer les filtres",
    amount: "Montant",
    status: "Statut",
    customer: "Client",
    date: "Date",
    description: "Description",
    payment: "Paiement",
    fee: "Frais",
    net: "Net",
    refunds: "Remboursements",
    refund: "Rembourser",
    refund_amount: "Montant à rembourser",
    refund_full: "Tout le montant restant",
    refund_submit: "Rembourser le paiement",
    refunded_note: "Remboursement effectué.",
    capture: "Capturer",
    capture_submit: "Capturer le paiement",
    disputes: "Litiges",
    evidence_due: "Preuves à fournir avant le",
    evidence_text: "Votre explication",
    evidence_product: "Description du produit ou service",
    evidence_email: "E-mail du client",
    submit_evidence: "Envoyer les preuves",
    save_evidence: "Enregistrer le brouillon",
    accept_dispute: "Accepter le litige",
    accept_confirm: "Accepter signifie que le client garde l'argent. Continuer ?",
    evidence_sent: "Preuves envoyées. La banque va décider.",
    balances: "Solde",
    available: "Disponible",
    pending: "En attente",
    pay_out: "Virer",
    pay_out_amount: "Montant à virer",
    payouts: "Virements",
    no_payouts: "Aucun virement pour l'instant.",
    arrives: "Arrivée",
    schedule: "Calendrier des virements",
    schedule_daily: "Quotidien",
    schedule_weekly: "Hebdomadaire",
    schedule_monthly: "Mensuel",
    schedule_manual: "Manuel",
    edit_schedule: "Modifier le calendrier",
    weekly_anchor: "Jour de la semaine",
    monthly_anchor: "Jour du mois",
    payment_methods: "Moyens de paiement",
    method_on: "Activé",
    method_off: "Désactivé",
    blocked_by_platform: "Bloqué par la plateforme",
    not_available: "Indisponible pour ce compte",
    onboarding_title: "Configurer les paiements",
    onboarding_done: "Votre compte est configuré. Stripe a tout ce qu'il faut.",
    onboarding_review: "Stripe vérifie vos informations.",
    onboarding_continue: "Continuer sur Stripe",
    onboarding_submit: "Envoyer",
    onboarding_exit: "Quitter",
    notifications_due: "Stripe a besoin d'informations pour que les paiements et virements continuent.",
    notifications_past_due: "Action requise : les paiements ou virements sont suspendus jusqu'à ce que vous fournissiez les informations manquantes.",
    notifications_action: "Fournir les informations",
    deadline: "Avant le",
    step_business: "Votre activité",
    step_person: "Informations personnelles",
    step_bank_account: "Compte bancaire",
    step_terms: "Conditions d'utilisation",
    onboarding_step: "Étape",
    onboarding_of: "sur",
    onboarding_save_continue: "Enregistrer et continuer",
    onboarding_stripe_explain: "Stripe, notre partenaire de paiement, vérifie l'identité de chaque entreprise qui encaisse des paiements. Continuez sur le site de Stripe pour fournir les informations demandées ; vous reviendrez ensuite ici.",
    onboarding_choose: "Choisir…",
    onboarding_tos: "J'accepte le Contrat de compte connecté Stripe.",
    field_required: "Ce champ est obligatoire.",
    invalid_iban: "Cet IBAN n'est pas valide. Vérifiez-le et réessayez.",
    invalid_routing_number: "Un numéro de routage comporte 9 chiffres.",
    invalid_account_number: "Un numéro de compte comporte 4 à 17 chiffres.",
    invalid_date: "Saisissez une date valide.",
    invalid_amount: "Écrivez le montant comme 12,50.",
    notifications_needed: "À fournir :",
    notifications_more: "de plus",
    no_balance: "Aucun solde pour l'instant.",
    pay_out_currency: "Devise",
    payout_created: "Virement créé.",
    created: "Créé le",
    schedule_saved: "Calendrier des virements enregistré.",
    no_payment_methods: "Aucun moyen de paiement à configurer.",
    schedule_monthly_on: "le",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_named_in_both_languages() {
        assert_eq!(EN.status("partially_refunded"), "Partially refunded");
        assert_eq!(FR.status("disputed"), "Contesté");
        assert_eq!(Locale::from_tag("fr-CA"), Locale::Fr);
        assert_eq!(Locale::from_tag("de-DE"), Locale::En);
    }

    #[test]
    fn requirement_ids_get_human_labels_in_both_languages() {
        assert_eq!(
            EN.requirement_label("individual.first_name"),
            Some("First name")
        );
        assert_eq!(
            FR.requirement_label("representative.dob"),
            Some("Date de naissance")
        );
        assert_eq!(
            EN.requirement_label("company.address.postal_code"),
            Some("Postal code")
        );
        assert_eq!(
            FR.requirement_label("business_profile.mcc"),
            Some("Secteur d'activité")
        );
        assert_eq!(
            EN.requirement_label("tos_acceptance"),
            Some(EN.onboarding_tos)
        );
        assert_eq!(
            EN.requirement_label("individual.verification.document"),
            None
        );
        assert_eq!(EN.requirement_label("settings.unknown"), None);
    }

    #[test]
    fn payment_methods_and_payouts_are_named() {
        assert_eq!(EN.method_name("sepa_debit"), "SEPA Direct Debit");
        assert_eq!(FR.method_name("card"), "Carte");
        assert_eq!(FR.method_name("ideal"), "iDEAL");
        assert_eq!(EN.method_name("new_method_2031"), "new_method_2031");
        assert_eq!(FR.payout_status("in_transit"), "En cours");
        assert_eq!(EN.interval("weekly"), "Weekly");
        assert_eq!(FR.delay_days(2), "délai de 2 jours");
        for mcc in COMMON_MCCS {
            assert_ne!(EN.mcc(mcc), "Other", "{mcc}");
        }
        for day in WEEKDAYS {
            assert_ne!(FR.weekday(day), "Autre", "{day}");
        }
    }
}
