{#- One row per employee and calendar month of employment: the employee-month panel of
    int_employee_months, published for attrition models and BI. -#}
select
    employee_id,
    month_start,
    person_key,
    department,
    job_family,
    hire_date,
    tenure_months,
    hours_worked,
    avg_weekly_hours,
    max_weekly_hours,
    overtime_hours,
    avg_weekly_overtime_hours,
    overtime_trend_3m,
    sick_days,
    vacation_days,
    engagement_score,
    trainings_completed,
    trainings_last_12m,
    latest_rating,
    review_rating,
    months_since_promotion,
    left_in_month,
    termination_type
from {{ ref('int_employee_months') }}
