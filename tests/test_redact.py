from modernizer.findings.redact import MARK, SecretIndex, redact


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


def test_code_after_a_secret_name_is_not_hunted_down_as_a_secret():
    """Found on Django on the GPU run: code like ``password = kwargs[`` or ``if password is not None``
    made "is not" a "secret", and every "is not" in the report's notes was masked. Names, paths,
    code and prose after a secret's name are not secret values; real ones still are."""
    code = "\n".join([
        "        if password is not None and token not in self.tokens[i]:",
        "    password = kwargs['password']",
        "    token = 'requires_csrf_token'",
        "    # password: see src/main/java/com/grandhotel/dao/UserDao for it",
        "    raise ValueError('password is missing, CSRF token missing.')",
        "db.password=Gr4ndH0tel!2008",
        "API_TOKEN = 'sk_test_FAKE4eC39HqLyjWDarjtT1zdp7dc'",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY2008",
    ])
    index = SecretIndex.from_texts([code])
    assert set(index.values) == {"Gr4ndH0tel!2008", "sk_test_FAKE4eC39HqLyjWDarjtT1zdp7dc", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY2008"}
    note = "thinking_token_budget is set but reasoning_config is not configured; see kwargs[ and UserDao"
    assert redact(note, known=index) == note
    assert "Gr4ndH0tel" not in redact("the password Gr4ndH0tel!2008 appears in a log line", known=index)
