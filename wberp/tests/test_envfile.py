import base64
import stat

from wberp.envfile import main, write_env


def test_it_writes_a_private_env_with_fresh_secrets(tmp_path):
    path = tmp_path / ".env"
    password = write_env(path)
    text = path.read_text()
    assert f"DJANGO_SUPERUSER_PASSWORD={password}\n" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    values = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and line[0] != "#"
    )
    key = values["WB_TOKEN_KEYS"]
    assert len(base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))) == 32
    assert values["WB_TOKEN_KEYS"] != values["WB_TOKEN_FINGERPRINT_KEY"]
    assert len(values["SECRET_KEY"]) >= 50


def test_it_never_overwrites_an_existing_env(tmp_path):
    path = tmp_path / ".env"
    path.write_text("SECRET_KEY=mine\n")
    assert write_env(path) is None
    assert path.read_text() == "SECRET_KEY=mine\n"


def test_two_runs_give_different_secrets(tmp_path):
    write_env(tmp_path / "a")
    write_env(tmp_path / "b")
    assert (tmp_path / "a").read_text() != (tmp_path / "b").read_text()


def test_print_mode_prints_production_secrets_only(capsys):
    assert main(["envfile", "--print"]) == 0
    out = capsys.readouterr().out
    assert [line.split("=")[0] for line in out.splitlines()] == [
        "SECRET_KEY",
        "WB_TOKEN_KEYS",
        "WB_TOKEN_FINGERPRINT_KEY",
    ]
