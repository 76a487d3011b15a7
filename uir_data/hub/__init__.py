"""Publishing: export a dataset root to the Hugging Face layout, verify the export, upload it resumably."""
