"""Building blocks with no business words: keys, units of work, errors, audit, jobs, mail."""
