{#- Each hire's outcome milestones side by side, one row per hire: matured, employed, rating and
    outcome recorded at 3, 6, 12 and 24 months, read from int_hire_milestones, and the hire-success
    label, and the hiring manager's 6-month satisfaction. The one pivot that fct_hires and fct_decision_outcomes both read. -#}
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
        {{ dbt.bool_or('case when milestone_month = 12 then label_mature end') }} as hire_success_label_mature
    from {{ ref('int_hire_milestones') }}
    group by hire_id, application_id, employee_id
)

select
    *,
    case when matured_12m then employed_12m and rating_12m >= 3 end as hire_success
from pivoted
