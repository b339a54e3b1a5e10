from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    ALLOW: _ClassVar[Outcome]
    REFUSE: _ClassVar[Outcome]

class SloClass(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SLO_CLASS_UNSPECIFIED: _ClassVar[SloClass]
    INTERACTIVE: _ClassVar[SloClass]
    BATCH: _ClassVar[SloClass]
OUTCOME_UNSPECIFIED: Outcome
ALLOW: Outcome
REFUSE: Outcome
SLO_CLASS_UNSPECIFIED: SloClass
INTERACTIVE: SloClass
BATCH: SloClass

class Box(_message.Message):
    __slots__ = ("x1", "y1", "x2", "y2", "score", "label", "image_sha256")
    X1_FIELD_NUMBER: _ClassVar[int]
    Y1_FIELD_NUMBER: _ClassVar[int]
    X2_FIELD_NUMBER: _ClassVar[int]
    Y2_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    IMAGE_SHA256_FIELD_NUMBER: _ClassVar[int]
    x1: float
    y1: float
    x2: float
    y2: float
    score: float
    label: str
    image_sha256: str
    def __init__(self, x1: _Optional[float] = ..., y1: _Optional[float] = ..., x2: _Optional[float] = ..., y2: _Optional[float] = ..., score: _Optional[float] = ..., label: _Optional[str] = ..., image_sha256: _Optional[str] = ...) -> None: ...

class TextLine(_message.Message):
    __slots__ = ("text", "confidence", "box")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    BOX_FIELD_NUMBER: _ClassVar[int]
    text: str
    confidence: float
    box: Box
    def __init__(self, text: _Optional[str] = ..., confidence: _Optional[float] = ..., box: _Optional[_Union[Box, _Mapping]] = ...) -> None: ...

class ClassifierEvidence(_message.Message):
    __slots__ = ("classifier", "scores", "boxes", "lines", "image_text_scores", "model", "latency_ms", "error")
    class ScoresEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class ImageTextScoresEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    CLASSIFIER_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    BOXES_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    IMAGE_TEXT_SCORES_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    classifier: str
    scores: _containers.ScalarMap[str, float]
    boxes: _containers.RepeatedCompositeFieldContainer[Box]
    lines: _containers.RepeatedCompositeFieldContainer[TextLine]
    image_text_scores: _containers.ScalarMap[str, float]
    model: str
    latency_ms: float
    error: str
    def __init__(self, classifier: _Optional[str] = ..., scores: _Optional[_Mapping[str, float]] = ..., boxes: _Optional[_Iterable[_Union[Box, _Mapping]]] = ..., lines: _Optional[_Iterable[_Union[TextLine, _Mapping]]] = ..., image_text_scores: _Optional[_Mapping[str, float]] = ..., model: _Optional[str] = ..., latency_ms: _Optional[float] = ..., error: _Optional[str] = ...) -> None: ...

class Evidence(_message.Message):
    __slots__ = ("classifiers", "policy_version", "timed_out", "reasons", "shadow_outcome", "shadow_categories", "shadow_policy_version")
    CLASSIFIERS_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    TIMED_OUT_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    SHADOW_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    SHADOW_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    SHADOW_POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    classifiers: _containers.RepeatedCompositeFieldContainer[ClassifierEvidence]
    policy_version: str
    timed_out: _containers.RepeatedScalarFieldContainer[str]
    reasons: _containers.RepeatedScalarFieldContainer[str]
    shadow_outcome: Outcome
    shadow_categories: _containers.RepeatedScalarFieldContainer[str]
    shadow_policy_version: str
    def __init__(self, classifiers: _Optional[_Iterable[_Union[ClassifierEvidence, _Mapping]]] = ..., policy_version: _Optional[str] = ..., timed_out: _Optional[_Iterable[str]] = ..., reasons: _Optional[_Iterable[str]] = ..., shadow_outcome: _Optional[_Union[Outcome, str]] = ..., shadow_categories: _Optional[_Iterable[str]] = ..., shadow_policy_version: _Optional[str] = ...) -> None: ...
