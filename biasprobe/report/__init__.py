"""Views for people: the self-contained HTML report and the model-card section."""
