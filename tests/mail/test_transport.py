"""MAIL_URL: parsing, the folder transport, and SMTP against a real local server (aiosmtpd)."""
from __future__ import annotations

from email.message import EmailMessage

import pytest

from broker.config import ConfigError
from broker.mail import transport
from tests.mail.smtp_server import Inbox, SMTPServer

pytestmark = pytest.mark.pure


def _msg(to="dev@example.org", subject="Hello") -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "Parity <no-reply@parity.test>", to, subject
    m["Message-ID"] = "<t1@parity.test>"
    m.set_content("plain body")
    m.add_alternative("<p>html body</p>", subtype="html")
    return m


def test_default_is_a_folder_in_the_instance(tmp_path):
    cfg = transport.parse(None, str(tmp_path))
    assert cfg.scheme == "file" and cfg.folder == tmp_path / "mail"


def test_parse_smtp_forms_and_credentials_from_url_or_environment(tmp_path):
    c = transport.parse("smtp+starttls://ann%40x.org:p%3Ass@mail.example.org:2587", str(tmp_path), environ={})
    assert (c.scheme, c.host, c.port, c.username, c.password) == ("smtp+starttls", "mail.example.org", 2587, "ann@x.org", "p:ss")
    assert "p:ss" not in c.describe()
    c = transport.parse("smtp+starttls://mail.example.org", str(tmp_path),
                        environ={"MAIL_USERNAME": "bob", "MAIL_PASSWORD": "secret"})
    assert (c.port, c.username, c.password) == (587, "bob", "secret")
    assert transport.parse("smtp://relay:25", str(tmp_path), environ={}).username is None
    assert transport.parse("smtps://relay", str(tmp_path), environ={}).port == 465


@pytest.mark.parametrize("url", ["http://x", "smtp://", "file://", "smtp://host:99999"])
def test_bad_mail_urls_name_the_setting(tmp_path, url):
    with pytest.raises(ConfigError, match="MAIL_URL"):
        transport.parse(url, str(tmp_path), environ={})


def test_file_transport_writes_one_eml_per_message_and_rewrites_in_place(tmp_path):
    cfg = transport.parse(None, str(tmp_path))
    transport.send(cfg, _msg(), name="a")
    transport.send(cfg, _msg(subject="Again"), name="a")
    transport.send(cfg, _msg(), name="b")
    files = sorted(p.name for p in (tmp_path / "mail").iterdir())
    assert files == ["a.eml", "b.eml"]
    assert "Subject: Again" in (tmp_path / "mail" / "a.eml").read_text()


def test_plain_smtp_delivers_both_bodies():
    inbox = Inbox()
    with SMTPServer(inbox) as srv:
        where = transport.send(transport.parse(f"smtp://127.0.0.1:{srv.port}", "/tmp", environ={}), _msg(), name="x")
    assert where == f"smtp://127.0.0.1:{srv.port}"
    [got] = inbox.messages
    assert got["To"] == "dev@example.org" and got["Message-ID"] == "<t1@parity.test>"
    assert got.get_body(("plain",)).get_content().strip() == "plain body"
    assert "html body" in got.get_body(("html",)).get_content()


def test_starttls_with_login(tmp_path):
    inbox = Inbox()
    with SMTPServer(inbox, tls_folder=tmp_path, login=("ann", "s3cret")) as srv:
        cfg = transport.parse(f"smtp+starttls://ann:s3cret@127.0.0.1:{srv.port}", "/tmp", environ={},
                              ca_file=str(srv.cert))
        transport.send(cfg, _msg(), name="x")
        assert len(inbox.messages) == 1
        untrusted = transport.parse(f"smtp+starttls://ann:s3cret@127.0.0.1:{srv.port}", "/tmp", environ={})
        with pytest.raises(transport.MailError):  # the self-signed certificate is not trusted
            transport.send(untrusted, _msg(), name="z")
    assert len(inbox.messages) == 1


def test_refused_recipient_is_permanent_and_unreachable_server_is_temporary():
    inbox = Inbox(refuse="nobody@example.org")
    with SMTPServer(inbox) as srv:
        cfg = transport.parse(f"smtp://127.0.0.1:{srv.port}", "/tmp", environ={})
        with pytest.raises(transport.MailError) as e:
            transport.send(cfg, _msg(to="nobody@example.org"), name="x")
        assert e.value.permanent
        port = srv.port
    with pytest.raises(transport.MailError) as e:
        transport.send(transport.parse(f"smtp://127.0.0.1:{port}", "/tmp", environ={}), _msg(), name="x")
    assert not e.value.permanent and "could not reach" in str(e.value)
