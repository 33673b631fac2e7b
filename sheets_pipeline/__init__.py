"""sheets-pipeline: keeps a sales pipeline that lives in a spreadsheet clean, and tells what converts."""

from .config import Config, load_config
from .errors import PipelineError
from .sync import check_snapshot, plan_sync, sync, validate

__all__ = ["Config", "PipelineError", "check_snapshot", "load_config", "plan_sync", "sync", "validate"]
__version__ = "0.1.0"
