"""Evidence a finding needs: lexical confounds, explanations (attributions), the scrutiny files."""
