from sheets_pipeline.sync import sync

from .conftest import TODAY, memory_pipeline


def test_memory_sync_twice_writes_once():
    backend = memory_pipeline({"lead": "Acme", "stage": "New"})
    from sheets_pipeline.config import Config

    first = sync(backend, Config(), TODAY)
    assert first.written
    second = sync(backend, Config(), TODAY)
    assert not second.written
