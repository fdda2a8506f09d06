"""Learning records: H5P packages and libraries, lesson activities, what learners did, completions.

One module per concept; every model is importable from ``learning.models``:

- ``h5p``: ``H5PLibrary``, ``H5PPackage`` (the shared library store and uploaded packages);
- ``activities``: ``LessonActivity`` (an H5P block of a published lesson);
- ``records``: ``Attempt``, ``XapiStatement``, ``ActivityState``, ``LessonProgress``;
- ``completion``: ``CourseCompletion`` (what certificates and mandatory training count).

Mandatory training (requirements, exemptions, cohorts, reminders) is the ``training`` app.
"""

from learning.models.activities import LessonActivity
from learning.models.completion import CourseCompletion
from learning.models.h5p import CONTENT_ROOT, LIBRARY_ROOT, SCORING_NOTES, H5PLibrary, H5PPackage
from learning.models.records import ActivityState, Attempt, LessonProgress, XapiStatement

__all__ = [
    "CONTENT_ROOT",
    "LIBRARY_ROOT",
    "SCORING_NOTES",
    "ActivityState",
    "Attempt",
    "CourseCompletion",
    "H5PLibrary",
    "H5PPackage",
    "LessonActivity",
    "LessonProgress",
    "XapiStatement",
]
