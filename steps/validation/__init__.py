"""The one validator of the step document, one module per part of the step."""
