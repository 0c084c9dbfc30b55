"""The customer portal's account pages: sign up, log in and out, passwords, email verification."""
