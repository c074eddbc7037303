"""The EU Funding & Tenders Portal (SEDIA) search API: its client and its records."""
