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


def test_decision_static_membership_is_set_by_the_local_stack_and_overridable(tmp_path, monkeypatch):
    from services.cli import stack
    from services.decision.settings import load_decision

    assert load_decision({}).group_instance_id == ""  # off unless set: instances must not share an id
    assert load_decision({"SCREENING_DECISION_GROUP_INSTANCE_ID": "decision-7"}).group_instance_id == "decision-7"
    config = stack.StackConfig(run_dir=tmp_path / "run", model_dir=tmp_path / "models")
    monkeypatch.delenv("SCREENING_DECISION_GROUP_INSTANCE_ID", raising=False)
    assert config.service_env()["SCREENING_DECISION_GROUP_INSTANCE_ID"] == "decision-local"
    monkeypatch.setenv("SCREENING_DECISION_GROUP_INSTANCE_ID", "mine")
    assert config.service_env()["SCREENING_DECISION_GROUP_INSTANCE_ID"] == "mine"


def test_request_consumer_static_membership_id_needs_a_prefix_and_a_serve_replica():
    from services.workers.consumer import group_instance_id
    from services.workers.settings import load_workers

    assert load_workers({}).group_instance_id == ""
    assert group_instance_id("") is None
    assert group_instance_id("workers-local") is None  # outside a Serve replica there is no rank to add
