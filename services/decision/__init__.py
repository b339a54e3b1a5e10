"""Decision: joins each request's verdicts under its deadline and applies the policy."""
