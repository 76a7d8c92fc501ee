{#- One row per employee and calendar month of employment, from the hire month to the
    termination month, or to the as-of month for those still employed. -#}
with months as (
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
        cast({{ dbt.date_trunc('month', 'terminations.termination_date') }} as date) as termination_month,
        cast({{ dbt.date_trunc('month', 'coalesce(terminations.termination_date, as_of.as_of_date)') }} as date) as last_month,
        terminations.termination_type
    from {{ ref('stg_hris__employees') }} as employees
    cross join {{ ref('int_as_of') }} as as_of
    left join {{ ref('stg_hris__terminations') }} as terminations
        on terminations.employee_id = employees.employee_id
),

employee_months as (
    select
        employees.*,
        months.month_start
    from employees
    inner join months
        on months.month_start between employees.hire_month and employees.last_month
),

timesheets as (
    select
        employee_id,
        cast({{ dbt.date_trunc('month', 'week_start') }} as date) as month_start,
        sum(hours_worked) as hours_worked,
        sum(overtime_hours) as overtime_hours,
        sum(sick_days) as sick_days,
        sum(vacation_days) as vacation_days
    from {{ ref('stg_timetracking__timesheets') }}
    group by 1, 2
),

ratings as (
    {{ latest_rating_as_of('employee_months', ['employee_id', 'month_start'], dbt.last_day('employee_months.month_start', 'month')) }}
)

select
    employee_months.employee_id,
    employee_months.month_start,
    employee_months.person_key,
    employee_months.department,
    employee_months.job_family,
    employee_months.hire_date,
    {{ dbt.datediff('employee_months.hire_month', 'employee_months.month_start', 'month') }} as tenure_months,
    timesheets.hours_worked,
    timesheets.overtime_hours,
    timesheets.sick_days,
    timesheets.vacation_days,
    ratings.rating as latest_rating,
    coalesce(employee_months.month_start = employee_months.termination_month, false) as left_in_month,
    case
        when employee_months.month_start = employee_months.termination_month then employee_months.termination_type
    end as termination_type
from employee_months
left join timesheets
    on timesheets.employee_id = employee_months.employee_id
    and timesheets.month_start = employee_months.month_start
left join ratings
    on ratings.employee_id = employee_months.employee_id
    and ratings.month_start = employee_months.month_start
