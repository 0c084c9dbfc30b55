"""The customer portal: the web forms customers (and guests with a secret link) use."""
