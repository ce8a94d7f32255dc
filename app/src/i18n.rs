//! English and French: the locale in use and the words of the pages.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    En,
    Fr,
}

impl Locale {
    /// Picks the nearest supported locale from a tag like `fr-FR`, `fr`, `en-GB`.
    pub fn from_tag(tag: &str) -> Self {
        if tag.trim().to_ascii_lowercase().starts_with("fr") {
            Locale::Fr
        } else {
            Locale::En
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
        }
    }

    pub fn other(self) -> Self {
        match self {
            Locale::En => Locale::Fr,
            Locale::Fr => Locale::En,
        }
    }

    /// The name of the locale in itself, for a switcher.
    pub fn name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Fr => "Français",
        }
    }
}

/// The words of the public pages in one locale.
pub struct HomeTexts {
    pub headline: &'static str,
    pub lede: &'static str,
    pub for_platforms: &'static str,
    pub for_platforms_body: &'static str,
    pub for_merchants: &'static str,
    pub for_merchants_body: &'static str,
    pub for_customers: &'static str,
    pub for_customers_body: &'static str,
    pub get_started: &'static str,
    pub log_in: &'static str,
}

pub fn home_texts(locale: Locale) -> &'static HomeTexts {
    match locale {
        Locale::En => &HomeTexts {
            headline: "Payments inside your SaaS",
            lede: "Comptoir gives the merchants on your platform onboarding, a payments dashboard, \
                   payment-method settings and payouts, embedded in your own pages, and lets their \
                   customers pay through an embedded checkout while you take an application fee.",
            for_platforms: "For the platform",
            for_platforms_body: "Connect Stripe once, set your fee policy and the origins allowed \
                                 to embed the widgets, and follow every merchant and transaction.",
            for_merchants: "For merchants",
            for_merchants_body: "Get onboarded in minutes, then refund, capture, answer disputes \
                                 and follow payouts without leaving the product you already use.",
            for_customers: "For their customers",
            for_customers_body: "Pay by card or SEPA debit in a checkout embedded in the \
                                 merchant's storefront.",
            get_started: "Create a merchant account",
            log_in: "Log in",
        },
        Locale::Fr => &HomeTexts {
            headline: "Les paiements dans votre SaaS",
            lede: "Comptoir offre aux marchands de votre plateforme l'inscription, un tableau de bord \
                   des paiements, le réglage des moyens de paiement et les virements, intégrés à vos \
                   propres pages, et permet à leurs clients de payer dans un paiement intégré pendant \
                   que vous prélevez une commission.",
            for_platforms: "Pour la plateforme",
            for_platforms_body: "Reliez Stripe une fois, fixez votre commission et les origines \
                                 autorisées à intégrer les widgets, et suivez chaque marchand et \
                                 chaque transaction.",
            for_merchants: "Pour les marchands",
            for_merchants_body: "Inscrivez-vous en quelques minutes, puis remboursez, capturez, \
                                 répondez aux litiges et suivez les virements sans quitter le \
                                 produit que vous utilisez déjà.",
            for_customers: "Pour leurs clients",
            for_customers_body: "Payez par carte ou prélèvement SEPA dans un paiement intégré à la \
                                 boutique du marchand.",
            get_started: "Créer un compte marchand",
            log_in: "Se connecter",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_map_to_the_nearest_locale() {
        assert_eq!(Locale::from_tag("fr-FR"), Locale::Fr);
        assert_eq!(Locale::from_tag("FR"), Locale::Fr);
        assert_eq!(Locale::from_tag("en-GB"), Locale::En);
        assert_eq!(Locale::from_tag("de"), Locale::En);
    }
}
