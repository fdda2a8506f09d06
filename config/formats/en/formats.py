"""English date formats (settings.FORMAT_MODULE_PATH): the names config/formats/ja defines."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, G:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d G:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "G:i"

# Our own names.
WEEKDAY_DATE_FORMAT = "l j F Y"
WEEKDAY_DATETIME_FORMAT = "l j F Y, G:i"
WEEKDAY_MONTH_DAY_FORMAT = "l j F"
MONTH_DAY_TIME_FORMAT = "j F, G:i"
