"""Imported by the parse workers' fork server: matching's dates are ready in every worker.

The fork server imports this module once (`tracker.feeds.parsing._mp_context`); each
parse worker it forks inherits a dateparser that is already loaded and has built its
tables for the bundled rules' languages, instead of paying about 0.3 s of CPU at its
first dated text, again each time it is renewed. Importing this module does that work
(that is its purpose): nothing else should import it.
"""

from tracker.rules.datecond import warm_dates

warm_dates()
