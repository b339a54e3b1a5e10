"""The bundled sample renderer's fonts."""

import pytest

from services.cli import samples


def test_missing_chinese_font_says_which_package_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(samples, "CJK_FONT", tmp_path / "absent.ttc")
    with pytest.raises(FileNotFoundError, match="fonts-wqy-microhei"):
        samples.cjk_font()


def test_present_chinese_font_is_returned(monkeypatch, tmp_path):
    font = tmp_path / "font.ttc"
    font.write_bytes(b"font")
    monkeypatch.setattr(samples, "CJK_FONT", font)
    assert samples.cjk_font() == str(font)
