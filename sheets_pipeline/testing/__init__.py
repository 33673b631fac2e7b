"""Test support: a local emulator of the Google Sheets API v4 (and the Drive v3 endpoints gspread uses).

    from sheets_pipeline.testing.emulator import SheetsEmulator
"""

from .emulator import SheetsEmulator

__all__ = ["SheetsEmulator"]
