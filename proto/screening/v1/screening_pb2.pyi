from screening.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScreenRequest(_message.Message):
    __slots__ = ("text", "images", "tenant_id", "client_request_id", "slo_class")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SLO_CLASS_FIELD_NUMBER: _ClassVar[int]
    text: bytes
    images: _containers.RepeatedScalarFieldContainer[bytes]
    tenant_id: str
    client_request_id: str
    slo_class: _types_pb2.SloClass
    def __init__(self, text: _Optional[bytes] = ..., images: _Optional[_Iterable[bytes]] = ..., tenant_id: _Optional[str] = ..., client_request_id: _Optional[str] = ..., slo_class: _Optional[_Union[_types_pb2.SloClass, str]] = ...) -> None: ...

class SubmitResponse(_message.Message):
    __slots__ = ("request_id", "duplicate")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    duplicate: bool
    def __init__(self, request_id: _Optional[str] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class GetDecisionRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class StreamDecisionsRequest(_message.Message):
    __slots__ = ("tenant_id",)
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    def __init__(self, tenant_id: _Optional[str] = ...) -> None: ...

class ScreenResponse(_message.Message):
    __slots__ = ("request_id", "outcome", "categories", "evidence", "latency_ms", "client_request_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    outcome: _types_pb2.Outcome
    categories: _containers.RepeatedScalarFieldContainer[str]
    evidence: _types_pb2.Evidence
    latency_ms: float
    client_request_id: str
    def __init__(self, request_id: _Optional[str] = ..., outcome: _Optional[_Union[_types_pb2.Outcome, str]] = ..., categories: _Optional[_Iterable[str]] = ..., evidence: _Optional[_Union[_types_pb2.Evidence, _Mapping]] = ..., latency_ms: _Optional[float] = ..., client_request_id: _Optional[str] = ...) -> None: ...
