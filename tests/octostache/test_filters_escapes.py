"""Escaping filters, Markdown, URI filters and hashes, with pairs from the reference tests."""

from __future__ import annotations

import pytest

from deployer.octostache import render


def one(template: str, value: str) -> str | None:
    return render(template, {"foo": value})


@pytest.mark.parametrize(
    ("fn", "value", "expected"),
    [
        ("HtmlEscape", "A&'bc", "A&amp;&apos;bc"),
        ("HtmlEscape", '<a href="/x">', "&lt;a href=&quot;&#x2F;x&quot;&gt;"),
        ("HtmlEscape", "", ""),
        ("XmlEscape", "A&'bc/", "A&amp;&apos;bc/"),
        ("JsonEscape", 'Test"Test', 'Test\\"Test'),
        ("JsonEscape", "a\r\n\tb\\", "a\\r\\n\\tb\\\\"),
        ("YamlSingleQuoteEscape", "single'quote", "single''quote"),
        ("YamlSingleQuoteEscape", "a\n\tb\n\tc", "a\n\n\tb\n\n\tc"),
        ("YamlSingleQuoteEscape", "a\r\nb", "a\r\n\r\nb"),
        ("YamlSingleQuoteEscape", "a\n\r\nb", "a\n\n\r\nb"),
        ("YamlDoubleQuoteEscape", 'double"quote', 'double\\"quote'),
        ("YamlDoubleQuoteEscape", "\r\n\t\\", "\\r\\n\\t\\\\"),
        ("YamlDoubleQuoteEscape", "我叫章鱼", "\\u6211\\u53eb\\u7ae0\\u9c7c"),
        ("YamlDoubleQuoteEscape", "❤😀", "\\u2764\\ud83d\\ude00"),
        ("PropertiesKeyEscape", " a \n b ", "\\ a\\ \\n\\ b\\ "),
        ("PropertiesKeyEscape", ":=\\", "\\:\\=\\\\"),
        ("PropertiesKeyEscape", "÷ü我", "÷ü\\u6211"),
        ("PropertiesValueEscape", " a \n b ", "\\ a \\n b "),
        ("PropertiesValueEscape", ":=", ":="),
        ("UriEscape", "A b:c+d/e", "A%20b:c+d/e"),
        ("UriDataEscape", "A b:c+d/e", "A%20b%3Ac%2Bd%2Fe"),
    ],
)
def test_escapes(fn: str, value: str, expected: str) -> None:
    assert one("#{foo | " + fn + "}", value) == expected


def test_escape_with_option_echoes() -> None:
    assert one("#{foo | HtmlEscape x}", "a") == '#{foo | HtmlEscape "x"}'


@pytest.mark.parametrize("fn", ["Markdown", "MarkdownToHtml"])
def test_markdown(fn: str) -> None:
    emphasis = one("#{foo | " + fn + "}", "_yeah!_")
    assert emphasis is not None
    assert emphasis.strip() == "<p><em>yeah!</em></p>"
    link = one("#{foo | " + fn + "}", "http://octopus.com")
    assert link is not None
    assert link.strip() == '<p><a href="http://octopus.com">http://octopus.com</a></p>'
    struck = one("#{foo | " + fn + "}", "~~gone~~")
    assert struck is not None
    assert struck.strip() == "<p><del>gone</del></p>"


def test_markdown_tables() -> None:
    html = one("#{foo | Markdown}", "|Header1|Header2|\n|-|-|\n|Cell1|Cell2|")
    assert html is not None
    assert "<th>Header1</th>" in html
    assert "<td>Cell2</td>" in html


RELATIVE = "This operation is not supported for a relative URI."
DOCS = "https://octopus.com/docs"


@pytest.mark.parametrize(
    ("url", "expression", "expected"),
    [
        (
            "/docs",
            "UriPart Host",
            "[UriPart Host error: This operation is not supported for a relative URI.]",
        ),
        ("https://octopus.com/docs", "UriPart", "[UriPart error: no argument given]"),
        (
            "https://octopus.com/docs",
            "UriPart bar",
            "[UriPart bar error: argument 'bar' not supported]",
        ),
        ("https://octopus.com/docs", "UriPart AbsolutePath", "/docs"),
        ("https://octopus.com/docs", "UriPart AbsoluteUri", "https://octopus.com/docs"),
        ("https://octopus.com/docs", "UriPart Authority", "octopus.com"),
        ("https://octopus.com/docs", "UriPart DnsSafeHost", "octopus.com"),
        ("https://octopus.com/docs#filters", "UriPart Fragment", "#filters"),
        ("https://octopus.com/docs", "UriPart Host", "octopus.com"),
        ("https://octopus.com/docs", "UriPart HostAndPort", "octopus.com:443"),
        ("https://octopus.com/docs", "UriPart HostNameType", "Dns"),
        ("https://octopus.com/docs", "UriPart IsAbsoluteUri", "true"),
        ("https://octopus.com/docs", "UriPart IsDefaultPort", "true"),
        ("https://octopus.com/docs", "UriPart IsFile", "false"),
        ("https://octopus.com/docs", "UriPart IsLoopback", "false"),
        ("https://octopus.com/docs", "UriPart IsUnc", "false"),
        ("https://octopus.com/docs", "UriPart Path", "/docs"),
        ("https://octopus.com/docs?filter=faq", "UriPart PathAndQuery", "/docs?filter=faq"),
        ("https://octopus.com/docs", "UriPart Port", "443"),
        ("https://octopus.com/docs?filter=faq", "UriPart Query", "?filter=faq"),
        ("https://octopus.com/docs", "UriPart Scheme", "https"),
        ("https://octopus.com/docs", "UriPart SchemeAndServer", "https://octopus.com"),
        ("https://username:password@octopus.com", "UriPart UserInfo", "username:password"),
        ("http://127.0.0.1:8080/", "UriPart IsLoopback", "true"),
        ("http://127.0.0.1:8080/", "UriPart HostNameType", "IPv4"),
    ],
)
def test_uri_part(url: str, expression: str, expected: str) -> None:
    assert one("#{foo | " + expression + "}", url) == expected


FOX = "The quick brown fox jumps over the lazy dog"
FOX_BASE64 = "VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZw=="


@pytest.mark.parametrize(
    ("expression", "value", "expected"),
    [
        ("Md5", "", "d41d8cd98f00b204e9800998ecf8427e"),
        ("Md5", FOX, "9e107d9d372bb6826bd81d3542a419d6"),
        ("Md5 3", FOX, "9e107d"),
        ("Md5 800", "", "d41d8cd98f00b204e9800998ecf8427e"),
        ("Md5 unicode", FOX, "b0986ae6ee1eefee8a4a399090126837"),
        (
            "Md5 base64",
            "VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZw==",
            "9e107d9d372bb6826bd81d3542a419d6",
        ),
        ("Md5 unicode 3", "", "d41d8c"),
        ("Md5 3 unicode", "", "d41d8c"),
        ("Sha1", FOX, "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
        ("Sha1 unicode", FOX, "bd136cb58899c93173c33a90dde95ead0d0cf6df"),
        ("Sha256", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("Sha256 4", "", "e3b0c442"),
        ("Sha384 2", "", "38b0"),
        ("Sha512 2", "", "cf83"),
    ],
)
def test_hashes(expression: str, value: str, expected: str) -> None:
    assert one("#{foo | " + expression + "}", value) == expected


@pytest.mark.parametrize(
    "template",
    [
        "#{foo | Md5 -1}",
        "#{foo | Md5 0}",
        "#{foo | Md5 bar}",
        "#{foo | Md5 utf8 0}",
        "#{foo | Md5 0 utf8}",
        "#{foo | Md5 bar 12}",
        "#{foo | Md5 12 bar}",
        "#{foo | Md5 utf8 12 extra}",
        "#{foo | Md5 base64}",
        "#{ | Md5}",
        "#{foo | Sha256 12 utf8 extra}",
    ],
)
def test_hash_with_bad_options_echoes(template: str) -> None:
    result = one(template, "bar")
    assert result is not None
    assert result.startswith("#{") and "| " in result
