"""The portal: web pages in English and Russian over the services the API calls."""
