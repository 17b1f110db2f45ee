"""The additive base's fast contribution is the standardised basis times its coefficients."""

from __future__ import annotations

import numpy as np
from tests.analytics.conftest import churn_table

from weixi.analytics.churn import ChurnModel


def test_each_terms_contribution_equals_its_standardised_basis_times_coefficients() -> None:
    X, y = churn_table(rows=4000, seed=11)
    X = X.copy()
    X.iloc[::5, 1] = np.nan  # missing values: the median stands in, the indicator is set
    model = ChurnModel(learning_rate=0.1, max_rounds=20, n_jobs=1, random_state=0).fit(X, y)
    assert model.additive_ is not None
    matrix = model.encode(X)
    kinds = {t.kind for t in model.additive_.terms if t.coef}
    assert kinds == {"numeric", "categorical"}
    for j, term in enumerate(model.additive_.terms):
        if not term.coef:
            continue
        slow = term.standardised(matrix[:, j]) @ np.asarray(term.coef)
        np.testing.assert_allclose(term.contribution(matrix[:, j]), slow, rtol=0, atol=1e-12)
