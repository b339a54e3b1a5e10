"""When the consumer reads the face's second look (tiles): only for requests about a person."""

import asyncio

from screening.v1 import types_pb2
from services.workers.classifiers import refusal
from services.workers.consumer import asks_about_a_person


def _done(**fields):
    evidence = types_pb2.ClassifierEvidence(**{k: v for k, v in fields.items() if k == "error"})
    evidence.scores.update(fields.get("scores", {}))
    evidence.image_text_scores.update(fields.get("image_text_scores", {}))
    return evidence


def _asks(prompt, ocr=None, trigger=0.2) -> bool:
    async def run():
        async def result(evidence):
            return "x", evidence

        prompt_call = asyncio.ensure_future(result(prompt)) if prompt is not None else None
        ocr_call = asyncio.ensure_future(result(ocr)) if ocr is not None else None
        return await asks_about_a_person(prompt_call, ocr_call, trigger)

    return asyncio.run(run())


def test_the_second_look_is_read_only_for_requests_about_a_person():
    assert refusal.PERSON_DIRECTED == ("person_identification", "sensitive_trait", "ungrounded_inference")
    assert _asks(_done(scores={"person_identification": 0.3}))
    assert _asks(_done(scores={"sensitive_trait": 0.2}))
    assert not _asks(_done(scores={"illicit_behavior": 0.9, "ungrounded_inference": 0.19}))
    # the prompt is not about a person, the text in the image is
    assert _asks(_done(scores={}), _done(image_text_scores={"person_identification": 0.6}))
    assert not _asks(_done(scores={}), _done(image_text_scores={"hate": 0.9}))
    # unknown counts as yes: the search is then finished
    assert _asks(_done(error="timed out"))
    assert _asks(_done(scores={}), _done(error="ocr failed"))
    assert _asks(None)
