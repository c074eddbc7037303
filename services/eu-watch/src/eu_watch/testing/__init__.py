"""Test helpers of the eu-watch service: a local fake of the EU Funding & Tenders Portal."""
