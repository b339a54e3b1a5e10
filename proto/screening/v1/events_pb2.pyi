from screening.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScreeningRequested(_message.Message):
    __slots__ = ("request_id", "tenant_id", "client_request_id", "slo_class", "text", "images", "accepted_unix_ms", "deadline_unix_ms", "expected_classifiers")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SLO_CLASS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_CLASSIFIERS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    tenant_id: str
    client_request_id: str
    slo_class: _types_pb2.SloClass
    text: str
    images: _containers.RepeatedCompositeFieldContainer[ImageInput]
    accepted_unix_ms: int
    deadline_unix_ms: int
    expected_classifiers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, request_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., client_request_id: _Optional[str] = ..., slo_class: _Optional[_Union[_types_pb2.SloClass, str]] = ..., text: _Optional[str] = ..., images: _Optional[_Iterable[_Union[ImageInput, _Mapping]]] = ..., accepted_unix_ms: _Optional[int] = ..., deadline_unix_ms: _Optional[int] = ..., expected_classifiers: _Optional[_Iterable[str]] = ...) -> None: ...

class ImageInput(_message.Message):
    __slots__ = ("data", "sha256", "format", "width", "height")
    DATA_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    sha256: str
    format: str
    width: int
    height: int
    def __init__(self, data: _Optional[bytes] = ..., sha256: _Optional[str] = ..., format: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class Verdict(_message.Message):
    __slots__ = ("request_id", "classifier", "evidence", "produced_unix_ms")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CLASSIFIER_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    PRODUCED_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    classifier: str
    evidence: _types_pb2.ClassifierEvidence
    produced_unix_ms: int
    def __init__(self, request_id: _Optional[str] = ..., classifier: _Optional[str] = ..., evidence: _Optional[_Union[_types_pb2.ClassifierEvidence, _Mapping]] = ..., produced_unix_ms: _Optional[int] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ("request_id", "tenant_id", "client_request_id", "outcome", "categories", "evidence", "accepted_unix_ms", "decided_unix_ms")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    DECIDED_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    tenant_id: str
    client_request_id: str
    outcome: _types_pb2.Outcome
    categories: _containers.RepeatedScalarFieldContainer[str]
    evidence: _types_pb2.Evidence
    accepted_unix_ms: int
    decided_unix_ms: int
    def __init__(self, request_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., client_request_id: _Optional[str] = ..., outcome: _Optional[_Union[_types_pb2.Outcome, str]] = ..., categories: _Optional[_Iterable[str]] = ..., evidence: _Optional[_Union[_types_pb2.Evidence, _Mapping]] = ..., accepted_unix_ms: _Optional[int] = ..., decided_unix_ms: _Optional[int] = ...) -> None: ...

class DeadLetter(_message.Message):
    __slots__ = ("source_topic", "partition", "offset", "key", "value", "error", "service", "failed_unix_ms")
    SOURCE_TOPIC_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    FAILED_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    source_topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes
    error: str
    service: str
    failed_unix_ms: int
    def __init__(self, source_topic: _Optional[str] = ..., partition: _Optional[int] = ..., offset: _Optional[int] = ..., key: _Optional[bytes] = ..., value: _Optional[bytes] = ..., error: _Optional[str] = ..., service: _Optional[str] = ..., failed_unix_ms: _Optional[int] = ...) -> None: ...
