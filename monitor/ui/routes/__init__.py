"""The Findings app's routes, one router per page group, in the order create_app includes them."""
