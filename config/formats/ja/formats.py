"""Japanese date formats (settings.FORMAT_MODULE_PATH): Django's named formats and our own.

Templates name a format (``|date:"WEEKDAY_DATE_FORMAT"``) instead of writing one, so English
pages show English dates (config/formats/en/formats.py defines the same names).
"""

DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 G:i"
SHORT_DATE_FORMAT = "Y/m/d"
SHORT_DATETIME_FORMAT = "Y/m/d G:i"
MONTH_DAY_FORMAT = "n月j日"
YEAR_MONTH_FORMAT = "Y年n月"
TIME_FORMAT = "G:i"

# Our own names.
WEEKDAY_DATE_FORMAT = "Y年n月j日（D）"
WEEKDAY_DATETIME_FORMAT = "Y年n月j日（D）G:i"
WEEKDAY_MONTH_DAY_FORMAT = "n月j日（D）"
MONTH_DAY_TIME_FORMAT = "n月j日 G:i"
