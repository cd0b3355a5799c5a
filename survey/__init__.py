"""The Pingyi domain: evaluations, units, respondent groups, responses and the services over them."""
