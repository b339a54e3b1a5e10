import pytest

from services.common import platform, settings
from services.ingest.settings import load_ingest
from services.workers.settings import load_workers


def test_settings_read_and_convert_environment():
    loaded = load_ingest({"SCREENING_INGEST_PORT": "6000", "SCREENING_INGEST_MAX_IMAGES": "2"})
    assert loaded.port == 6000 and loaded.max_images == 2


def test_malformed_setting_names_the_variable():
    with pytest.raises(settings.SettingsError, match="SCREENING_INGEST_PORT='abc': expected an integer"):
        load_ingest({"SCREENING_INGEST_PORT": "abc"})
    with pytest.raises(settings.SettingsError, match="SCREENING_INGEST_PORT=70000"):
        load_ingest({"SCREENING_INGEST_PORT": "70000"})
    for frames in ("0", "101"):  # the workers decode at most 100 frames of an image: none may go unscreened
        with pytest.raises(settings.SettingsError, match=f"SCREENING_INGEST_MAX_FRAMES={frames}: choose 1-100"):
            load_ingest({"SCREENING_INGEST_MAX_FRAMES": frames})
    with pytest.raises(settings.SettingsError, match="SCREENING_INGEST_DECISION_REPLAY_S must be >= 0"):
        load_ingest({"SCREENING_INGEST_DECISION_REPLAY_S": "-1"})
    with pytest.raises(settings.SettingsError, match="SCREENING_WORKERS_FACE_SECOND_LOOK_TRIGGER must be in"):
        load_workers({"SCREENING_WORKERS_FACE_SECOND_LOOK_TRIGGER": "1.5"})


def test_boolean_setting_parsed_and_garbage_refused():
    assert load_workers({}).face_tiles is True
    assert load_workers({"SCREENING_WORKERS_FACE_TILES": "false"}).face_tiles is False
    with pytest.raises(settings.SettingsError, match="SCREENING_WORKERS_FACE_TILES='maybe': expected a boolean"):
        load_workers({"SCREENING_WORKERS_FACE_TILES": "maybe"})


def test_platform_classifiers_and_expected_verdicts():
    loaded = platform.load_platform({"SCREENING_CLASSIFIERS": "face,refusal"})
    assert loaded.expected_classifiers(0) == ["refusal"]
    assert loaded.expected_classifiers(1) == ["face", "refusal"]
    with pytest.raises(settings.SettingsError, match="unknown classifiers"):
        platform.load_platform({"SCREENING_CLASSIFIERS": "face,eyes"})
    with pytest.raises(settings.SettingsError, match="SCREENING_OTEL_EXPORTER=file needs"):
        platform.load_platform({"SCREENING_OTEL_EXPORTER": "file"})
