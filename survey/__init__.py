"""The Pingyi domain: evaluations, units, groups, responses and the services over them."""
