from modernizer.redact import MARK, redact


def test_secrets_in_code_config_and_urls_are_redacted():
    cases = {
        'String DB_PASSWORD = "Gr4ndH0tel!2008";': "Gr4ndH0tel!2008",
        "jdbc.password=hotel123": "hotel123",
        "url=jdbc:mysql://admin:s3cretpw@db/x": "s3cretpw",
        "aws = AKIAIOSFODNN7EXAMPLE": "AKIAIOSFODNN7EXAMPLE",
        'SECRET_KEY = "sk_test_FAKE1234567890abcd"': "sk_test_FAKE1234567890abcd",
        '"Server=x;Password=abc123;"': "abc123",
    }
    for text, secret in cases.items():
        out = redact(text)
        assert secret not in out and MARK in out, (text, out)


def test_code_that_only_mentions_passwords_is_left_alone():
    for text in ["ps.setString(1, password);", "if (password.equals(pw)) {", "String password = request.getParameter(\"pw\");"]:
        assert redact(text) == text
