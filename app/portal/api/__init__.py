"""The portal API for client users' tokens: requests (`requests.blp`) and approvals (`approvals.blp`)."""
