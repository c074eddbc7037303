"""Results of a survey: figures per question, crosstabs, small cells withheld."""
