"""Portal pages: the requests blueprint (`requests.bp`, with the approval decisions of `approvals`) and the company's people (`people.bp`)."""
