{#- One row per employee: the current HRIS record (no names, e-mail or protected attributes), whether
    they came through the ATS, and whether and how they left. -#}
with hired as (
    select employee_id, min(application_id) as application_id
    from {{ ref('int_hire_identity') }}
    where is_matched
    group by employee_id
)

select
    employees.employee_id,
    employees.person_key,
    employees.hire_date,
    employees.department,
    employees.job_family,
    employees.location,
    employees.salary_band,
    hired.application_id,
    hired.application_id is not null as hired_through_ats,
    terminations.termination_date,
    terminations.termination_type
from {{ ref('stg_hris__employees') }} as employees
left join hired
    on hired.employee_id = employees.employee_id
left join {{ ref('stg_hris__terminations') }} as terminations
    on terminations.employee_id = employees.employee_id
