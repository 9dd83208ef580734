"""SLA reads: report figures (`reports`) and settings (`settings`), for pages, the API, the portal and jobs."""
