"""The step editor: form fields, section forms, and the pages."""
