{#- Each hire's outcome milestones side by side, one row per hire: matured, employed, rating and
    outcome recorded at 3, 6, 12 and 24 months, read from int_hire_milestones, and the hire-success
    label, and the hiring manager's 6-month satisfaction. The one pivot that fct_hires and fct_decision_outcomes both read.
    hire_success_training_label is what hire_success learns from: the 12-month label where it has matured,
    else the 6-month milestone's early signal where that has (plus the same grace): still employed, a 6-month
    rating of at least `early_label_min_rating_6m` and, where the hiring manager answered, a satisfaction of at
    least `early_label_min_satisfaction_6m`. The 3-month milestone is no signal: it only says whether the hire is
    still employed, which nearly all are (docs/models.md has the measurement). -#}
with pivoted as (
    select
        hire_id,
        application_id,
        employee_id,
        {% for month in var('milestone_months') %}
        {{ dbt.bool_or('case when milestone_month = ' ~ month ~ ' then matured end') }} as matured_{{ month }}m,
        {{ dbt.bool_or('case when milestone_month = ' ~ month ~ ' then employed_at_milestone end') }} as employed_{{ month }}m,
        max(case when milestone_month = {{ month }} then rating_at_milestone end) as rating_{{ month }}m,
        {{ dbt.bool_or('case when milestone_month = ' ~ month ~ ' then outcome_recorded end') }} as outcome_recorded_{{ month }}m,
        {% endfor %}
        -- DESIGN.md's hiring-manager survey is the one at 6 months
        max(case when milestone_month = 6 then satisfaction_at_milestone end) as hm_satisfaction_6m,
        -- The label is learned from only once late reviews and terminations have arrived.
        {{ dbt.bool_or('case when milestone_month = 12 then label_mature end') }} as hire_success_label_mature,
        {{ dbt.bool_or('case when milestone_month = 6 then label_mature end') }} as early_label_mature_6m
    from {{ ref('int_hire_milestones') }}
    group by hire_id, application_id, employee_id
),

labelled as (
    select
        *,
        case when matured_12m then employed_12m and rating_12m >= 3 end as hire_success,
        case
            when early_label_mature_6m and outcome_recorded_6m
                then employed_6m
                and rating_6m >= {{ var('early_label_min_rating_6m') }}
                and coalesce(hm_satisfaction_6m >= {{ var('early_label_min_satisfaction_6m') }}, true)
        end as early_success_6m
    from pivoted
)

select
    *,
    case
        when hire_success_label_mature and hire_success is not null then hire_success
        else early_success_6m
    end as hire_success_training_label,
    case
        when hire_success_label_mature and hire_success is not null then '12m'
        when early_success_6m is not null then '6m'
    end as hire_success_label_source
from labelled
