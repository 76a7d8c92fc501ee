{#- The employee-month panel: one row per employee and calendar month of employment, from the hire
    month (or, without a hire date, the first timesheet month) to the termination month (or the
    as-of month), with the month's hours, overtime with its 3-month trend and its excess over the
    employee's usual, sick days, vacation, engagement and its 6-month change, trainings,
    performance, tenure and months since the last promotion; and attrition_risk's label, a
    voluntary exit within the horizon once it has matured. fct_employee_month publishes it. -#}
with timesheets as (
    select
        employee_id,
        cast({{ dbt.date_trunc('month', 'week_start') }} as date) as month_start,
        sum(hours_worked) as hours_worked,
        avg(hours_worked) as avg_weekly_hours,
        max(hours_worked) as max_weekly_hours,
        sum(overtime_hours) as overtime_hours,
        avg(overtime_hours) as avg_weekly_overtime_hours,
        sum(sick_days) as sick_days,
        sum(vacation_days) as vacation_days
    from {{ ref('stg_timetracking__timesheets') }}
    group by 1, 2
),

months as (
    select period_start as month_start
    from ({{ periods_to_as_of('month', ref('stg_hris__employees'), 'hire_date') }}) as periods
),

employees as (
    select
        employees.employee_id,
        employees.person_key,
        employees.department,
        employees.job_family,
        employees.hire_date,
        cast({{ dbt.date_trunc('month', 'employees.hire_date') }} as date) as hire_month,
        first_timesheets.month_start as first_timesheet_month,
        cast({{ dbt.date_trunc('month', 'terminations.termination_date') }} as date) as termination_month,
        cast({{ dbt.date_trunc('month', 'coalesce(terminations.termination_date, as_of.as_of_date)') }} as date) as last_month,
        terminations.termination_type,
        coalesce(terminations.termination_date > as_of.as_of_date, true) as is_active
    from {{ ref('stg_hris__employees') }} as employees
    cross join {{ ref('int_as_of') }} as as_of
    left join {{ ref('stg_hris__terminations') }} as terminations
        on terminations.employee_id = employees.employee_id
    left join (
        select employee_id, min(month_start) as month_start from timesheets group by employee_id
    ) as first_timesheets
        on first_timesheets.employee_id = employees.employee_id
),

employee_months as (
    select
        employees.*,
        months.month_start,
        cast({{ dbt.last_day('months.month_start', 'month') }} as date) as month_end,
        {{ dbt.datediff('employees.hire_month', 'months.month_start', 'month') }} as tenure_months,
        months.month_start = cast({{ dbt.date_trunc('month', 'as_of.as_of_date') }} as date) as is_current_month,
        -- The horizon's last day plus the grace for late terminations has passed in the HRIS; the
        -- employee did not leave in this month; and time tracking had begun: before its first
        -- month the extracts hold only those who stayed, so a leaver's exit would be missing.
        cast({{ dbt.dateadd(
            'day', var('maturity_grace_days'),
            dbt.last_day(dbt.dateadd('month', var('attrition_horizon_months'), 'months.month_start'), 'month')
        ) }} as date) <= as_of.hris_as_of_date
        and coalesce(months.month_start <> employees.termination_month, true)
        and months.month_start >= tracking_start.month_start as exit_label_mature
    from employees
    cross join {{ ref('int_as_of') }} as as_of
    cross join (select min(month_start) as month_start from timesheets) as tracking_start
    inner join months
        -- without a hire date in the HRIS, the employment shows from its first timesheet on
        on months.month_start between coalesce(employees.hire_month, employees.first_timesheet_month)
        and employees.last_month
),

trainings as (
    select
        employee_id,
        cast({{ dbt.date_trunc('month', 'completed_at') }} as date) as month_start,
        count(*) as trainings_completed
    from {{ ref('stg_hris__trainings') }}
    group by 1, 2
),

ratings as (
    {{ latest_as_of(
        'employee_months', ['employee_id', 'month_start'], ref('stg_hris__performance_reviews'),
        ['rating', 'review_date'], 'review_date', 'review_id', 'employee_months.month_end'
    ) }}
),

answered_surveys as (
    select * from {{ ref('stg_hris__engagement_surveys') }} where engagement_score is not null
),

engagement as (
    {{ latest_as_of(
        'employee_months', ['employee_id', 'month_start'], 'answered_surveys',
        ['engagement_score'], 'survey_date', 'response_id', 'employee_months.month_end'
    ) }}
),

promotions as (
    select * from {{ ref('stg_hris__job_changes') }} where change_type = 'promotion'
),

last_promotions as (
    {{ latest_as_of(
        'employee_months', ['employee_id', 'month_start'], 'promotions',
        ['change_date'], 'change_date', 'job_change_id', 'employee_months.month_end'
    ) }}
),

panel as (
    select
        employee_months.employee_id,
        employee_months.month_start,
        employee_months.person_key,
        employee_months.department,
        employee_months.job_family,
        employee_months.hire_date,
        employee_months.tenure_months,
        employee_months.is_current_month,
        employee_months.is_active,
        employee_months.exit_label_mature,
        case
            when employee_months.exit_label_mature then coalesce(
                employee_months.termination_type = 'voluntary'
                and employee_months.termination_month
                <= {{ dbt.dateadd('month', var('attrition_horizon_months'), 'employee_months.month_start') }},
                false
            )
        end as voluntary_exit_6m,
        timesheets.hours_worked,
        timesheets.avg_weekly_hours,
        timesheets.max_weekly_hours,
        timesheets.overtime_hours,
        timesheets.avg_weekly_overtime_hours,
        timesheets.sick_days,
        timesheets.vacation_days,
        engagement.engagement_score,
        coalesce(trainings.trainings_completed, 0) as trainings_completed,
        ratings.rating as latest_rating,
        case when ratings.review_date >= employee_months.month_start then ratings.rating end as review_rating,
        coalesce(
            {{ dbt.datediff(dbt.date_trunc('month', 'last_promotions.change_date'), 'employee_months.month_start', 'month') }},
            employee_months.tenure_months
        ) as months_since_promotion,
        coalesce(employee_months.month_start = employee_months.termination_month, false) as left_in_month,
        case
            when employee_months.month_start = employee_months.termination_month then employee_months.termination_type
        end as termination_type
    from employee_months
    left join timesheets using (employee_id, month_start)
    left join trainings using (employee_id, month_start)
    left join ratings using (employee_id, month_start)
    left join engagement using (employee_id, month_start)
    left join last_promotions using (employee_id, month_start)
)

-- The panel has every month of an employment, so the row n back is n months back.
select
    *,
    engagement_score - lag(engagement_score, 6) over (partition by employee_id order by month_start)
    as engagement_change_6m,
    sum(sick_days) over (
        partition by employee_id order by month_start rows between 2 preceding and current row
    ) as sick_days_3m,
    (
        avg_weekly_overtime_hours
        - lag(avg_weekly_overtime_hours, 2) over (partition by employee_id order by month_start)
    ) / 2.0 as overtime_trend_3m,
    -- against the employee's own usual: a burnout episode lifts overtime for months, so a trend alone misses it
    avg_weekly_overtime_hours - avg(avg_weekly_overtime_hours) over (
        partition by employee_id order by month_start rows between 12 preceding and 3 preceding
    ) as overtime_excess,
    sum(trainings_completed) over (
        partition by employee_id order by month_start rows between 11 preceding and current row
    ) as trainings_last_12m
from panel
