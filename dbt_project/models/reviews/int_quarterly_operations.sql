{#- PLACEHOLDER of the quarterly branch (issue 11): the weekly part writes the real model of this name
    (model improvement, time to impact, error-fix time and fairness flags per quarter from the
    registry's events, the gate's history and the fairness audit); the coordinator replaces this file
    at the merge. Until then every quarter's operations KPIs are null, so their status reads
    not_enough_data. -#}
select
    period_start as quarter_start,
    cast(null as {{ type_double() }}) as model_improvement_share,
    cast(null as {{ dbt.type_int() }}) as promotions,
    cast(null as {{ type_double() }}) as time_to_impact_days,
    cast(null as {{ type_double() }}) as error_fix_hours,
    cast(null as {{ dbt.type_int() }}) as gate_failures_fixed,
    cast(null as {{ dbt.type_int() }}) as fairness_flags,
    cast(null as {{ dbt.type_int() }}) as fairness_ratios_audited
from ({{ periods_to_as_of('quarter', ref('fct_applications'), 'applied_at') }}) as periods
