use serde::{Deserialize, Serialize};
use validator::ValidateEmail;

/// An email address, trimmed and lower-cased so that one mailbox is one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter an email address.".into());
        }
        if email.chars().count() > Self::MAX_LEN {
            return Err(format!("An email address has at most {} characters.", Self::MAX_LEN));
        }
        if !email.is_ascii() {
            // Mail goes out over plain SMTP, which carries internationalized addresses only with SMTPUTF8.
            return Err(
                "Use the ASCII form of the address (for a domain like bücher.de: xn--bcher-kva.de).".into()
            );
        }
        if !email.validate_email() {
            return Err("Enter an email address like name@example.com.".into());
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: long enough and not one of the passwords attackers try first.
/// Never printed: `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// Passwords of 12 or more characters that still top breach lists; compared case-insensitively.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789000",
    "password1234",
    "password12345",
    "password123!",
    "passwordpassword",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwertyuiopasdf",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "iloveyou1234",
    "letmein12345",
    "welcome12345",
    "administrator",
    "adminadmin123",
    "abcdefghijkl",
    "abc123abc123",
    "000000000000",
    "111111111111",
    "aaaaaaaaaaaa",
    "monkey123456",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "princess1234",
    "trustno11234",
    "changeme1234",
    "correcthorsebatterystaple",
    "replenish1234",
    "qwerty123456",
    "asdfghjkl123",
    "zxcvbnm12345",
];

impl Password {
    pub const MIN_LEN: usize = 12;
    pub const MAX_LEN: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let length = raw.chars().count();
        if length < Self::MIN_LEN {
            return Err(format!("Use at least {} characters.", Self::MIN_LEN));
        }
        if length > Self::MAX_LEN {
            return Err(format!("Use at most {} characters.", Self::MAX_LEN));
        }
        let folded = raw.to_lowercase();
        if COMMON_PASSWORDS.contains(&folded.as_str()) {
            return Err("This password is too common; choose another.".into());
        }
        if raw.chars().all(|c| c == raw.chars().next().unwrap_or(' ')) {
            return Err("Use more than one repeated character.".into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        assert_eq!(Email::parse("  Ada@Example.COM ").map(|e| e.0), Ok("ada@example.com".into()));
    }

    #[test]
    fn email_without_domain_or_at_is_refused() {
        for bad in ["", "   ", "ada", "ada@", "@example.com", "ada example@x.com"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn email_length_boundary_is_254() {
        let domain = format!("{}.{}.{}", "b".repeat(63), "c".repeat(63), "d".repeat(61));
        let fits = format!("{}@{domain}", "a".repeat(64));
        assert_eq!(fits.len(), 254);
        assert!(Email::parse(&fits).is_ok());
        let too_long = format!("{}@{domain}d", "a".repeat(64));
        assert!(Email::parse(&too_long).is_err());
    }

    #[test]
    fn non_ascii_addresses_are_refused_with_their_own_message_and_punycode_accepted() {
        for unicode in ["jürgen@bücher.de", "jürgen@example.de"] {
            let message = Email::parse(unicode).expect_err(unicode);
            assert!(message.contains("ASCII"), "{message}");
        }
        assert!(Email::parse("user@xn--bcher-kva.de").is_ok());
    }

    #[test]
    fn password_of_11_characters_is_refused_and_12_accepted() {
        assert!(Password::parse("abcdefgh123").is_err());
        assert!(Password::parse("abcdefgh1234").is_ok());
    }

    #[test]
    fn password_length_counts_characters_not_bytes() {
        // 11 characters, 22 bytes
        assert!(Password::parse("ééééééééééé").is_err());
        assert!(Password::parse("éééééééééééx").is_ok());
    }

    #[test]
    fn common_passwords_are_refused_whatever_the_case() {
        assert!(Password::parse("Password1234").is_err());
        assert!(Password::parse("QWERTYUIOP123").is_err());
    }

    #[test]
    fn a_single_repeated_character_is_refused() {
        assert!(Password::parse("zzzzzzzzzzzzzzzz").is_err());
    }

    #[test]
    fn password_max_length_is_256() {
        assert!(Password::parse(&"ab".repeat(128)).is_ok());
        assert!(Password::parse(&format!("{}c", "ab".repeat(128))).is_err());
    }

    #[test]
    fn password_debug_does_not_print_the_secret() {
        let password = Password::parse("correct horse battery staple 42").map_err(|e| e.to_string());
        assert!(!format!("{password:?}").contains("horse"));
    }
}
