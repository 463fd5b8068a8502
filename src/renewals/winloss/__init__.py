"""Win/loss: a record for every closed renewal, themes, competitors, patterns and stalls."""
