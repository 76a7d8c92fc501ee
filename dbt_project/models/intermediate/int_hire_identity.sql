{#- Identity resolution: every hire followed from the ATS candidate to the HRIS employee record it
    became, through the pseudonymised person key (never names or e-mail addresses, which do not
    enter the warehouse). A hire without an employee record yet is kept, unmatched. -#}
select
    hires.hire_id,
    hires.application_id,
    applications.candidate_id,
    candidates.person_key,
    employees.employee_id,
    hires.start_date,
    employees.employee_id is not null as is_matched
from {{ ref('stg_ats__hires') }} as hires
left join {{ ref('stg_ats__applications') }} as applications
    on applications.application_id = hires.application_id
left join {{ ref('stg_ats__candidates') }} as candidates
    on candidates.candidate_id = applications.candidate_id
left join {{ ref('stg_hris__employees') }} as employees
    on employees.person_key = candidates.person_key
